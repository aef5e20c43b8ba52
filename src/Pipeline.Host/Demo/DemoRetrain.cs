using System.Globalization;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Demo;

/// <summary>
/// The demo's retrain (<c>pipeline.demo.retrain-after-backlog</c>): waits until every scraper has caught up with the
/// backlog, asks the retrainer to run now, and prints the topic table of the window (label, share of posts) before and
/// after, so the effect of retraining and re-scoring is there to read.
/// </summary>
public static class DemoRetrain
{
    private const string TopicTable = """
        SELECT coalesce(topic_label, '(not scored)'), count(*), count(*)::float8 / sum(count(*)) OVER ()
        FROM reporting.posts
        WHERE created_at >= @from
        GROUP BY topic_id, topic_label
        ORDER BY 2 DESC, 1
        """;

    /// <param name="progress">Told each step, for the demo's status.</param>
    public static async Task AfterBacklogAsync(
        IServiceProvider services, PipelineSettings settings, ILogger logger, TextWriter output, DemoRetrainProgress progress, CancellationToken ct)
    {
        try
        {
            var board = services.GetRequiredService<SourceStatusBoard>();
            // A scraper is live once its backfill is committed (its checkpoint moves only after the sink's commit).
            while (board.All is var all && (all.Count < settings.Companies.Count || all.Any(s => s.Mode != "live")))
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }

            var dataSource = services.GetRequiredService<NpgsqlDataSource>();
            var from = DateTimeOffset.UtcNow - settings.TopicRetrain.Window;
            var models = services.GetRequiredService<ScoringModels>();
            await PrintAsync(output, $"Topics of the backlog before retraining ({models.Topics!.Current.Version})", dataSource, from, ct);
            logger.LogInformation("Backlog collected: retraining the topic model on the posts of the last {Days:0.#} days", settings.TopicRetrain.Window.TotalDays);
            progress.Now(string.Create(CultureInfo.InvariantCulture, $"running on the posts of the last {settings.TopicRetrain.Window.TotalDays:0.#} days"));

            var retrainer = await services.GetRequiredService<IRequiredActor<TopicRetrainerActor>>().GetAsync(ct);
            var finished = await retrainer.Ask<TopicRetrainerActor.RetrainFinished>(TopicRetrainerActor.RetrainNow.Instance, TimeSpan.FromMinutes(30), ct);
            if (finished.Run is not { } run)
            {
                logger.LogInformation("Another node is retraining the topic model");
                progress.Now("another node is retraining");
                return;
            }

            var sentence = run.Sentence();
            logger.LogInformation("{Sentence}", char.ToUpper(sentence[0], CultureInfo.InvariantCulture) + sentence[1..]);
            progress.Now($"done: {sentence}");
            if (run.Outcome == TopicRetrainOutcomeKind.Accepted && run.Swapped == true)
            {
                await PrintAsync(output, $"Topics of the backlog after retraining ({models.Topics.Current.Version})", dataSource, from, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is NpgsqlException or AskTimeoutException or InvalidOperationException or TimeoutException)
        {
            logger.LogWarning("The demo's topic retrain did not run: {Error}", e.GetBaseException().Message);
            progress.Now("did not run (see the log)");
        }
    }

    private static async Task PrintAsync(TextWriter output, string title, NpgsqlDataSource dataSource, DateTimeOffset from, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(TopicTable);
        command.Parameters.AddWithValue("from", from);
        var lines = new List<string> { string.Empty, "  " + title + ":" };
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"    {reader.GetString(0),-40} {reader.GetInt64(1),6:N0}  {reader.GetDouble(2),6:P1}"));
            }
        }

        lines.Add(string.Empty);
        await output.WriteAsync(string.Join(Environment.NewLine, lines) + Environment.NewLine);
    }
}
