using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>Posts without a platform language (Nitter's) through the real graph into a real database: the language is decided, stored and shown.</summary>
public sealed class LanguageGraphSpecs(PostgresFixture postgres) : TestKit
{
    private static readonly DateTimeOffset April2023 = new(2023, 4, 3, 9, 0, 0, TimeSpan.Zero);

    private static SourceItem Nitter(long id, string text) => new SourceItem.Post(
        new RawPost(new PostId(id), new CompanyId("gtbank"), PostSource.Nitter, null, "ada_obi", text, April2023.AddMinutes(id),
            0, 0, 0, 0, $"https://nitter.example/ada_obi/status/{id}", null, false, false, DateTimeOffset.UtcNow),
        $"nitter:{id}");

    private async Task RunAsync(TestDatabase database, params SourceItem[] items)
    {
        var (_, completion) = database.Graph(new PipelineCounters()).Run(Source.From(items), Sys.Materializer());
        await completion.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Nitter_post_in_french_is_dropped_as_non_english_with_its_language_stored()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);

        await RunAsync(database, Nitter(1, "@gtbank Bonjour, mon virement n'est toujours pas arrivé après trois jours, c'est inadmissible"));

        var row = Assert.Single(await database.RowsAsync("SELECT drop_reason, language, lang FROM pipeline.raw_posts WHERE post_id = 1"));
        Assert.Equal(new object?[] { "non_english", "fr", null }, row);
        Assert.Equal(1, await database.CountAsync("SELECT sum(posts) FROM pipeline.drop_counts WHERE reason = 'non_english'"));
        Assert.Equal(0, await database.CountAsync("SELECT count(*) FROM reporting.posts"));
    }

    [Fact]
    public async Task Pidgin_post_is_kept_with_pcm_in_the_reporting_views()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);

        await RunAsync(database,
            Nitter(2, "@gtbank una app don crash again, i no fit login since yesterday"),
            Nitter(3, "@gtbank my transfer has been pending since morning, please reverse it"),
            Nitter(4, "@gtbank Gana dinero desde casa, haz clic aquí y recibe tu bono de bienvenida"));

        Assert.Equal(new object?[][] { [2L, "pcm"], [3L, "en"] }, await database.RowsAsync("SELECT post_id, language FROM reporting.posts ORDER BY post_id"));
        Assert.Equal(
            new object?[][] { ["en", 1L, 0L], ["es", 0L, 1L], ["pcm", 1L, 0L] },
            await database.RowsAsync("SELECT language, kept_posts, non_english_posts FROM reporting.language_counts ORDER BY language"));
    }
}
