using Akka.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Pipeline.Actors.Graph;
using Pipeline.Host.Database;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Tests.Scoring;

/// <summary>
/// The retrain job against a real PostgreSQL without the rest of the service: one run per cluster (the database lock),
/// the run history it keeps, and the model a restarted node goes back to.
/// </summary>
public sealed class TopicRetrainJobTests(PostgresFixture postgres) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<(PipelineSettings Settings, PipelineDatabase Database)> PrepareAsync()
    {
        var models = _temp.Combine("models");
        var yesterday = Path.Combine(models, "yesterday");
        if (!Directory.Exists(yesterday))
        {
            RetrainCorpus.SaveYesterdaysModel(yesterday);
        }

        var config = ConfigurationFactory.ParseString($$"""
            pipeline.database.connection-string = "{{await postgres.CreateDatabaseAsync()}}"
            pipeline.http.models-root = "{{models}}"
            pipeline.topics.model-dir = "{{yesterday}}"
            {{RetrainCorpus.TrainingHocon}}
            pipeline.topics.retrain { enabled = on, interval = 1h, min-new-posts = 100, window = 28d, rescore = off }
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));
        var settings = SettingsLoader.Load(config);
        var database = await PipelineDatabase.OpenAsync(settings, NullLoggerFactory.Instance);
        await using var insert = database.DataSource.CreateCommand("""
            WITH texts AS (SELECT t, i FROM unnest(@texts) WITH ORDINALITY AS x(t, i)),
            raw AS (
                INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at)
                SELECT i, 'gtbank', 'import', 'user', t, now() - i * interval '10 minutes', now() FROM texts)
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text)
            SELECT i, 'gtbank', now() - i * interval '10 minutes', t, t FROM texts
            """);
        insert.Parameters.AddWithValue("texts", RetrainCorpus.NewWeek(400).ToArray());
        await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        return (settings, database);
    }

    /// <summary>A job as one node runs it: its own model slot; the swap is this node's reload alone.</summary>
    private static (TopicRetrainJob Job, TopicModelReloader Reloader, TopicRetrainStatus Status) Node(PipelineSettings settings, NpgsqlDataSource dataSource)
    {
        var slot = new ModelSlot<TopicModel>(ScoringModels.LoadTopics(settings.Topics.ModelDirectory, settings.Topics.Threshold));
        var reloader = new TopicModelReloader(slot, settings.Topics, dataSource, NullLogger<TopicModelReloader>.Instance);
        var status = new TopicRetrainStatus();
        var job = new TopicRetrainJob(settings.TopicRetrain, settings.Cleaning.DomainStopwords, settings.Http.ModelsRoot, reloader, dataSource,
            async (folder, ct) =>
            {
                var outcome = await reloader.ReloadAsync(ModelFolders.Resolve(settings.Http.ModelsRoot, folder), ct);
                return new ClusterReloadReport(NodeReloadOutcome.From("self", outcome), [], []);
            },
            status, NullLogger.Instance);
        return (job, reloader, status);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Two_nodes_checking_at_once_retrain_once()
    {
        var (settings, database) = await PrepareAsync();
        await using var _ = database;
        var first = Node(settings, database.DataSource);
        var second = Node(settings, database.DataSource);
        var ct = TestContext.Current.CancellationToken;

        var runs = await Task.WhenAll(first.Job.RunAsync("node-1", requested: false, ct), second.Job.RunAsync("node-2", requested: false, ct));

        Assert.Single(runs, r => r is not null);
        Assert.Equal(1, await CountAsync(database.DataSource, "SELECT count(*) FROM pipeline.topic_retrains"));
        var run = runs.Single(r => r is not null)!;
        Assert.Equal(TopicRetrainOutcomeKind.Accepted, run.Outcome);
        Assert.Equal(400, run.Documents);
        // The node that skipped tells of the other's run, or that it held the lock when it looked.
        var skipped = runs[0] is null ? first.Status : second.Status;
        var said = skipped.Evaluate();
        Assert.True(said.Data.TryGetValue("lastDecision", out var decision));
        var text = (string)decision;
        Assert.True(text == "another node holds the retrain lock" || text.StartsWith("the last run started at", StringComparison.Ordinal), text);
    }

    [Fact]
    public async Task A_retrained_model_swapped_in_leaves_one_audit_row_naming_both_versions_and_the_node()
    {
        var (settings, database) = await PrepareAsync();
        await using var _ = database;
        var node = Node(settings, database.DataSource);

        var run = await node.Job.RunAsync("node-1", requested: true, TestContext.Current.CancellationToken);

        Assert.True(run?.Swapped);
        var audit = Assert.Single(await Pipeline.Actors.Storage.AuditTrail.ReadAsync(database.DataSource));
        Assert.Equal(("topic-retrain-swap", "node:node-1 (requested)"), (audit.Action, audit.Caller));
        Assert.Contains(run!.CurrentVersion, audit.Parameters);
        Assert.Contains(run.CandidateVersion!, audit.Parameters);
        Assert.StartsWith("swapped in: ", audit.Outcome);
    }

    [Fact]
    public async Task A_node_skips_while_another_holds_the_retrain_lock_even_when_asked_to_run_now()
    {
        var (settings, database) = await PrepareAsync();
        await using var _ = database;
        var node = Node(settings, database.DataSource);
        var ct = TestContext.Current.CancellationToken;
        await using var other = await database.DataSource.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({TopicRetrainStore.LockKey})", other))
        {
            await take.ExecuteNonQueryAsync(ct);
        }

        Assert.Null(await node.Job.RunAsync("node-1", requested: true, ct));
        Assert.Equal("another node holds the retrain lock", node.Status.Evaluate().Data["lastDecision"]);
        Assert.Equal(0, await CountAsync(database.DataSource, "SELECT count(*) FROM pipeline.topic_retrains"));

        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({TopicRetrainStore.LockKey})", other))
        {
            await release.ExecuteNonQueryAsync(ct);
        }

        Assert.NotNull(await node.Job.RunAsync("node-1", requested: true, ct));
    }

    [Fact]
    public async Task A_restarted_node_goes_back_to_the_latest_retrained_model_from_its_disk_or_the_database_else_to_the_configured_one()
    {
        var (settings, database) = await PrepareAsync();
        await using var _ = database;
        var ct = TestContext.Current.CancellationToken;
        var before = Node(settings, database.DataSource);
        var run = await before.Job.RunAsync("node-1", requested: true, ct);
        Assert.Equal(TopicRetrainOutcomeKind.Accepted, run!.Outcome);
        Assert.Equal(run.CandidateVersion, before.Reloader.Slot.Current.Version);

        var restarted = Node(settings, database.DataSource);
        var configured = restarted.Reloader.Slot.Current.Version;
        Assert.Equal(run.CurrentVersion, configured);
        var restored = await restarted.Job.RestoreAsync(ct);

        Assert.StartsWith($"restored retrained model {run.CandidateVersion}", restored, StringComparison.Ordinal);
        Assert.Equal(run.CandidateVersion, restarted.Reloader.Slot.Current.Version);

        // A new disk: the folder comes back from the database, file for file.
        var folder = Path.Combine(settings.Http.ModelsRoot, run.ModelFolder!);
        var files = Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
        Directory.Delete(folder, recursive: true);
        var fresh = Node(settings, database.DataSource);
        Assert.StartsWith($"restored retrained model {run.CandidateVersion}", await fresh.Job.RestoreAsync(ct), StringComparison.Ordinal);
        Assert.Equal(run.CandidateVersion, fresh.Reloader.Slot.Current.Version);
        Assert.Equal(files.Select(f => f.Item1), Directory.GetFiles(folder).Order(StringComparer.Ordinal).Select(Path.GetFileName));
        Assert.All(files, f => Assert.Equal(f.Item2, File.ReadAllBytes(Path.Combine(folder, f.Item1))));

        // Neither on disk nor in the database: the configured model keeps scoring.
        Directory.Delete(folder, recursive: true);
        Assert.Equal(files.Count, await CountAsync(database.DataSource, "SELECT count(*) FROM pipeline.topic_model_files"));
        await using (var forget = database.DataSource.CreateCommand("DELETE FROM pipeline.topic_model_files"))
        {
            await forget.ExecuteNonQueryAsync(ct);
        }

        var again = Node(settings, database.DataSource);
        Assert.StartsWith($"retrained model {run.CandidateVersion} not restored: ", await again.Job.RestoreAsync(ct), StringComparison.Ordinal);
        Assert.Equal(configured, again.Reloader.Slot.Current.Version);
    }

    [Fact]
    public async Task A_node_with_a_disk_of_its_own_loads_the_model_another_node_retrained_from_the_database()
    {
        var (settings, database) = await PrepareAsync();
        await using var _ = database;
        var ct = TestContext.Current.CancellationToken;
        var trainer = Node(settings, database.DataSource);
        var run = await trainer.Job.RunAsync("node-1", requested: true, ct);
        Assert.Equal(TopicRetrainOutcomeKind.Accepted, run!.Outcome);

        // What the propagation asks of every node: load the folder, relative to that node's own models root.
        var otherRoot = _temp.Combine("other-node-models");
        Directory.CreateDirectory(otherRoot);
        var other = Node(settings, database.DataSource);
        var outcome = await other.Reloader.ReloadAsync(ModelFolders.Resolve(otherRoot, run.ModelFolder!), ct);

        Assert.IsType<ModelReloadOutcome.Switched>(outcome);
        Assert.Equal(run.CandidateVersion, other.Reloader.Slot.Current.Version);
        Assert.True(File.Exists(Path.Combine(otherRoot, run.ModelFolder!, TopicCatalogJson.FileName)));
    }
}
