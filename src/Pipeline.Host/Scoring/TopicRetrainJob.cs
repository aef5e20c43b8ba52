using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Http;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Scoring;

/// <summary>
/// One retrain run, start to end, and the start-up restore: what <see cref="TopicRetrainerActor"/> runs off its thread.
/// A run holds the cluster-wide retrain lock throughout (a second node skips), decides from the recorded history whether
/// one is due (<see cref="TopicRetrainSchedule"/>), records itself, reads the window, trains and judges the candidate
/// (<see cref="TopicRetraining"/>, on a thread-pool thread), and when the gate accepts it, saves it under the models root,
/// swaps it in on every node through the reload propagation (the path of <c>POST /admin/topics/reload</c>) and re-scores
/// the window. A run that throws is recorded as failed; the model in use keeps scoring whatever happens.
/// </summary>
public sealed class TopicRetrainJob(
    TopicRetrainSettings settings,
    IReadOnlySet<string> domainStopwords,
    string modelsRoot,
    TopicModelReloader reloader,
    NpgsqlDataSource dataSource,
    Func<string, CancellationToken, Task<ClusterReloadReport>> propagate,
    TopicRetrainStatus status,
    ILogger logger)
{
    public const string ScheduleTrigger = "schedule";
    public const string RequestedTrigger = "requested";

    /// <summary>Posts re-scored per transaction after a swap.</summary>
    public const int RescoreBatch = 2000;

    private readonly TopicRetrainStore _store = new(dataSource);

    /// <summary>
    /// Checks whether a run is due and runs it. Null when nothing ran (not due, or another node holds the lock).
    /// </summary>
    /// <param name="requested">Run now, whatever the schedule says (the demo, after its backlog); the lock still applies.</param>
    public async Task<TopicRetrainRecord?> RunAsync(string node, bool requested, CancellationToken ct)
    {
        var nextCheck = DateTimeOffset.UtcNow + settings.CheckEvery;
        await using var held = await _store.TryLockAsync(ct);
        if (held is null)
        {
            status.Checked(await _store.LastAsync(ct), "another node holds the retrain lock", nextCheck);
            return null;
        }

        if (await TopicRetrainStore.MarkInterruptedAsync(held, ct) > 0)
        {
            logger.LogWarning("A topic retrain left unfinished by a node that stopped is recorded as interrupted");
        }

        var last = await _store.LastAsync(ct);
        string why;
        if (requested)
        {
            why = "requested";
        }
        else
        {
            var newPosts = TopicRetrainSchedule.IntervalElapsed(held.Now, last?.StartedAt, settings.Interval)
                ? await TopicRetrainStore.NewPostsAsync(held, last?.StartedAt, settings.MinNewPosts, ct)
                : 0;
            var decision = TopicRetrainSchedule.Decide(held.Now, last?.StartedAt, newPosts, settings.Interval, settings.MinNewPosts);
            if (!decision.Run)
            {
                status.Checked(last, decision.Why, nextCheck);
                return null;
            }

            why = decision.Why;
        }

        return await RetrainAsync(held, node, requested ? RequestedTrigger : ScheduleTrigger, why, nextCheck, ct);
    }

    /// <summary>
    /// Puts the latest retrained model back in use on this node after a restart, from its folder under the models root or,
    /// when this node's disk lacks it, from the database
    /// (<see cref="TopicRetrainLineage"/> says which). Local only: the other nodes run it already, or catch up from this
    /// node's versions. Returns what it did, for the log.
    /// </summary>
    public async Task<string> RestoreAsync(CancellationToken ct)
    {
        var configured = reloader.Slot.Current.Version;
        var run = TopicRetrainLineage.Restorable(configured, await _store.SwappedAsync(ct));
        status.Checked(await _store.LastAsync(ct), null, DateTimeOffset.UtcNow + settings.FirstCheckAfter);
        if (run is null)
        {
            return $"no retrained model to restore over {configured}";
        }

        if (run.ModelFolder is null || ModelFolders.Resolve(modelsRoot, run.ModelFolder) is not { } folder)
        {
            logger.LogWarning("Retrained topic model {Version} (run {Id}) has no folder under the models root; {Configured} keeps scoring",
                run.CandidateVersion, run.Id, configured);
            return $"the folder of {run.CandidateVersion} is missing";
        }

        // A folder missing from this node's disk is written from the database by the reloader.

        var outcome = await reloader.ReloadAsync(folder, ct);
        return outcome switch
        {
            ModelReloadOutcome.Switched s => $"restored retrained model {s.Version} (run {run.Id}) over {s.PreviousVersion}",
            ModelReloadOutcome.Rejected r => $"retrained model {run.CandidateVersion} not restored: {r.Reason}",
            ModelReloadOutcome.NotPublished n => throw new InvalidOperationException($"retrained model {run.CandidateVersion} not restored yet: {n.Reason}"),
            _ => "?",
        };
    }

    private async Task<TopicRetrainRecord> RetrainAsync(RetrainLock held, string node, string trigger, string why, DateTimeOffset nextCheck, CancellationToken ct)
    {
        var current = reloader.Slot.Current;
        var from = held.Now - settings.Window;
        var id = await TopicRetrainStore.StartAsync(held, node, trigger, from, held.Now, current.Version, ct);
        var record = new TopicRetrainRecord(id, held.Now, null, node, trigger, from, held.Now, null, current.Version, null,
            TopicRetrainOutcomeKind.Running, null, null, null, null, null, null, null, null, null, null, null, null);
        status.Checked(record, why, nextCheck);
        logger.LogInformation("Retraining the topic model ({Why}): posts since {From:u}, at most {Max:N0}, over {Version}", why, from, settings.MaxPosts, current.Version);
        try
        {
            var texts = await TopicRetrainStore.WindowTextsAsync(held, from, held.Now, settings.MaxPosts, ct);
            record = record with { Documents = texts.Count };
            if (texts.Count == 0)
            {
                return await FinishAsync(record with { Outcome = TopicRetrainOutcomeKind.Failed, Reason = "no kept posts in the window" }, nextCheck);
            }

            // Minutes of CPU: on the thread pool, and abandoned (not awaited) when the service stops.
            var outcome = await Task.Run(
                () => TopicRetraining.Retrain(current.Model, texts, settings.Training, settings.Gate, new TopicTrainingOptions(DomainStopwords: domainStopwords)),
                ct).WaitAsync(ct);
            record = record with
            {
                CandidateVersion = outcome.Candidate.Model.Version,
                Accepted = outcome.Accepted,
                Reason = outcome.Reason,
                CurrentCV = outcome.Current.CV,
                CandidateCV = outcome.Proposed.CV,
                CurrentUnclassified = outcome.Current.UnclassifiedShare,
                CandidateUnclassified = outcome.Proposed.UnclassifiedShare,
                TopicsKept = outcome.TopicsKept,
                TopicsNew = outcome.TopicsNew,
                TopicsRetired = outcome.TopicsRetired,
            };
            if (!outcome.Accepted)
            {
                record = record with { Outcome = TopicRetrainOutcomeKind.Rejected, Swapped = false };
                logger.LogWarning("Topic model candidate {Candidate} kept out, {Version} keeps scoring: {Reason}", record.CandidateVersion, current.Version, outcome.Reason);
                return await FinishAsync(record, nextCheck);
            }

            var relative = Save(outcome.Candidate);
            record = record with { ModelFolder = relative };
            // Before the swap: a node told to load it may not have this node's disk.
            await TopicModelArchive.StoreAsync(dataSource, outcome.Candidate.Model.Version, ModelFolders.Resolve(modelsRoot, relative)!, ct);
            var report = await propagate(relative, ct);
            if (report.Self.Result != NodeReloadResult.Switched)
            {
                return await FinishAsync(record with
                {
                    Outcome = TopicRetrainOutcomeKind.Accepted,
                    Swapped = false,
                    Reason = $"{outcome.Reason}; not swapped in: {report.Self.Error}",
                }, nextCheck);
            }

            record = record with { Outcome = TopicRetrainOutcomeKind.Accepted, Swapped = true };
            if (settings.Rescore && reloader.Slot.Current.Model is { } swapped && swapped.Version == record.CandidateVersion)
            {
                var rescored = await TopicRescoreStore.RescoreAsync(dataSource, swapped, from, RescoreBatch, ct: ct);
                record = record with { RescoredPosts = rescored.Updated };
                logger.LogInformation("Re-scored {Posts:N0} posts since {From:u} with {Version} in {Seconds:0.0} s", rescored.Updated, from, swapped.Version, rescored.Elapsed.TotalSeconds);
            }

            return await FinishAsync(record, nextCheck);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            using var shortly = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await TryRecordAsync(record with { Outcome = TopicRetrainOutcomeKind.Interrupted, Reason = "the service stopped during the run" }, shortly.Token);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var failed = record with { Outcome = TopicRetrainOutcomeKind.Failed, Reason = Describe(e) };
            logger.LogWarning(e, "Topic retrain {Id} failed, the model in use keeps scoring: {Reason}", id, failed.Reason);
            await TryRecordAsync(failed, CancellationToken.None);
            status.Checked(failed, why, nextCheck);
            return failed;
        }
    }

    private async Task<TopicRetrainRecord> FinishAsync(TopicRetrainRecord record, DateTimeOffset nextCheck)
    {
        var finished = record with { FinishedAt = DateTimeOffset.UtcNow };
        await _store.UpdateAsync(finished, CancellationToken.None);
        if (finished.Swapped == true)
        {
            // A model swap changes every later post's topic: audited like a reload (docs/data.md), the node as its caller.
            await AuditTrail.RecordAsync(dataSource, "topic-retrain-swap",
                new { retrainId = finished.Id, trigger = finished.Trigger, from = finished.CurrentVersion, to = finished.CandidateVersion, modelFolder = finished.ModelFolder },
                $"swapped in: {finished.Reason}", $"node:{finished.Node} ({finished.Trigger})", CancellationToken.None);
        }

        status.Checked(finished, null, nextCheck);
        if (finished.Outcome == TopicRetrainOutcomeKind.Accepted)
        {
            logger.LogInformation("{Sentence} ({Reason})", Capitalised(finished.Sentence()), finished.Reason);
        }

        return finished;
    }

    private async Task TryRecordAsync(TopicRetrainRecord record, CancellationToken ct)
    {
        try
        {
            await _store.UpdateAsync(record with { FinishedAt = DateTimeOffset.UtcNow }, ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
        {
            // The next run marks it interrupted (MarkInterruptedAsync).
            logger.LogWarning("Topic retrain {Id} could not be recorded as {Outcome}: {Error}", record.Id, TopicRetrainRecord.Name(record.Outcome), e.Message);
        }
    }

    /// <summary>Writes the candidate to {models-root}/{output-dir}/{version} (whole or not at all) and returns that folder relative to the root.</summary>
    private string Save(TopicTrainingResult candidate)
    {
        var root = HttpAccessRules.RealPath(modelsRoot)
            ?? throw new DirectoryNotFoundException($"pipeline.http.models-root ({modelsRoot}) does not exist");
        var parent = Path.Combine(root, settings.OutputDirectory);
        var folder = Path.Combine(parent, candidate.Model.Version);
        // The version hashes the settings and the documents: a folder of that name holds this very model.
        if (!File.Exists(Path.Combine(folder, TopicCatalogJson.FileName)))
        {
            Directory.CreateDirectory(parent);
            var staging = Path.Combine(parent, $".{candidate.Model.Version}.{Guid.NewGuid():N}");
            candidate.Save(staging);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }

            Directory.Move(staging, folder);
        }

        return ModelFolders.Relative(modelsRoot, folder)
            ?? throw new InvalidOperationException($"{folder} is not under the models root");
    }

    /// <summary>The reason stored and shown in /ready: training's own message, but no driver or path detail.</summary>
    private static string Describe(Exception e) => e.GetBaseException() switch
    {
        NpgsqlException db => $"database error ({db.GetType().Name}{(db is PostgresException pg ? " " + pg.SqlState : "")})",
        IOException or UnauthorizedAccessException => $"the model folder could not be written under pipeline.http.models-root ({e.GetBaseException().GetType().Name})",
        var other => other.Message,
    };

    private static string Capitalised(string sentence) =>
        sentence.Length == 0 ? sentence : char.ToUpper(sentence[0], CultureInfo.InvariantCulture) + sentence[1..];
}
