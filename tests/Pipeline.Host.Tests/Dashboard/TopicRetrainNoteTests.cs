using System.Net;
using System.Text.Json;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>The dashboard's note on topic retraining: read from <c>reporting.topic_retrains</c>, the latest finished run.</summary>
public sealed class TopicRetrainNoteTests(PostgresFixture postgres)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<JsonElement> NoteAsync(Uri root)
    {
        using var response = await Http.GetAsync(new Uri(root, "/api/dashboard/topic-retrain"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task The_note_tells_the_latest_finished_retrain_and_nothing_before_the_first()
    {
        await using var service = await DashboardService.StartAsync(postgres);
        Assert.Equal(JsonValueKind.Null, (await NoteAsync(service.Root)).GetProperty("note").ValueKind);

        await service.WithDataSourceAsync(async dataSource =>
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO pipeline.topic_retrains (started_at, finished_at, node, trigger, window_start, window_end, documents, current_version,
                    candidate_version, outcome, accepted, swapped, reason, topics_kept, topics_new, topics_retired, rescored_posts)
                VALUES (now() - interval '2 days', now() - interval '2 days', 'n1', 'schedule', now() - interval '30 days', now() - interval '2 days',
                        3000, 'lda-a', 'lda-b', 'rejected', false, false, 'kept lda-a: candidate c_v 0.3 is below the current 0.4 − 0.02.', 9, 1, 0, NULL),
                       (now() - interval '1 day', now() - interval '1 day', 'n1', 'schedule', now() - interval '29 days', now() - interval '1 day',
                        3228, 'lda-a', 'lda-c', 'accepted', true, true, 'accepted', 9, 1, 1, 3228),
                       (now(), NULL, 'n2', 'schedule', now() - interval '28 days', now(), NULL, 'lda-c', NULL, 'running', NULL, NULL, NULL, NULL, NULL, NULL, NULL)
                """);
            await command.ExecuteNonQueryAsync();
        });

        var note = await NoteAsync(service.Root);

        // The run under way is not told until it finishes.
        Assert.Equal("topic model retrained on 3,228 posts: 9 topics kept, 1 new, 1 retired; 3,228 posts re-scored", note.GetProperty("note").GetString());
        Assert.Equal("accepted", note.GetProperty("outcome").GetString());
        Assert.Equal("lda-c", note.GetProperty("candidateVersion").GetString());
    }
}
