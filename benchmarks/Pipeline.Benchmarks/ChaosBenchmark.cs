using System.Globalization;
using Npgsql;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Tests.Shared.Service;

namespace Pipeline.Benchmarks;

/// <summary>
/// The real service (<c>pipeline run</c>, a child process) collects the demo's simulated conversation
/// into a throwaway PostgreSQL and is killed with SIGKILL at K seeded random moments, restarted each
/// time. Then the simulator's timeline is stopped at a cut-off, the last start is left to catch up,
/// and what PostgreSQL holds is compared with the simulator's ground truth (its timeline is seeded and
/// a pure function of time, so every post it published up to the cut-off is known):
/// <list type="bullet">
/// <item><b>lost</b>: status ids of items that appeared on the simulated timeline from the collected
/// window's start to the cut-off and have no row in <c>pipeline.raw_posts</c> (every collected post lands
/// there, kept or with its drop reason; a native retweet is its original's id).</item>
/// <item><b>duplicated</b>: double counting anywhere: posts in <c>pipeline.daily_rollup</c> above a fresh
/// aggregate of <c>pipeline.scored_posts</c> (per day, company, topic, model version, label, sentiment),
/// posts in <c>pipeline.drop_counts</c> above a fresh count of dropped <c>raw_posts</c> rows (per company,
/// day, reason), posts with both a drop reason (counted in drop_counts) and a scored row (counted in daily_rollup),
/// and quarantined post ids that also have a scored row (counted as failed and as kept).</item>
/// </list>
/// </summary>
public static class ChaosBenchmark
{
    /// <summary>Every scraper live and past the cut-off, and nothing new stored for this long: the service has caught up.</summary>
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(20);

    /// <summary>Pages each scraper must commit during <see cref="Quiet"/> (one a poll): it is polling, not stuck.</summary>
    private const int QuietPages = 5;

    private static readonly TimeSpan CatchUpLimit = TimeSpan.FromMinutes(10);

    /// <summary>How long a start may take to report every scraper (a kill waits for that, so that it hits collection, not start-up).</summary>
    private static readonly TimeSpan StartUpLimit = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(int kills, int seed, double minutes, string? hostDll, string? logs)
    {
        using var termination = new Termination();
        var ct = termination.Token;
        var clock = new HorizonClock();
        await using var rig = await ServiceRig.StartAsync(hostDll, logs, clock);
        var companies = rig.Settings.Companies.Count;
        var random = new Random(seed);
        var period = TimeSpan.FromMinutes(minutes);
        // Kill i comes a seeded random stretch of collecting time after the start before it resumed (the clock runs only
        // while a start is collecting, not while one starts up): stretches uniform from 1 s to twice the mean, so that
        // they add up to about the period. The first ones interrupt the backfill, the later ones live polling, and a
        // short one kills a start right after it has resumed from its checkpoints.
        var mean = period.TotalSeconds / Math.Max(kills, 1);
        var plan = new List<TimeSpan>();
        var sum = TimeSpan.Zero;
        for (var i = 0; i < kills; i++)
        {
            sum += TimeSpan.FromSeconds(1 + random.NextDouble() * Math.Max(2 * mean - 2, 0));
            plan.Add(sum);
        }

        Console.WriteLine($"chaos: {kills} SIGKILLs over {minutes:0.#} min of collection (seed {seed}); {companies} companies, backlog {rig.Demo.BacklogDays} days x " +
            $"{rig.Demo.BacklogPostsPerDay:0}/day then {rig.Demo.LivePostsPerMinute:0}/min (simulator seed {rig.Demo.Seed}), poll " +
            $"{rig.Demo.PollInterval.TotalSeconds:0.###} s, faults 429 {rig.Demo.Faults.RateLimitProbability:P0} / slow {rig.Demo.Faults.SlowPageProbability:P0}");

        var started = DateTimeOffset.UtcNow;
        var service = rig.Launch();
        var killed = new List<Kill>();
        var startUps = new List<TimeSpan>();
        var selfExits = new List<string>();
        var collected = TimeSpan.Zero;
        try
        {
            Console.WriteLine($"{"kill",4} {"at s",7} {"collecting s",12} {"planned",7} {"start",5} {"up s",6} {"raw rows",8}  scrapers when killed");
            var collecting = await AwaitCollectingAsync(service, companies, ct);
            startUps.Add(collecting - service.StartedAt);
            foreach (var (planned, index) in plan.Select((p, i) => (p, i)))
            {
                var wait = planned - collected - (DateTimeOffset.UtcNow - collecting);
                if (wait > TimeSpan.Zero)
                {
                    await WaitOrExitAsync(service, wait, ct);
                }

                if (service.HasExited)
                {
                    selfExits.Add($"start {service.Number} exited by itself with code {service.ExitCode}: {service.Tail(5)}");
                }
                else
                {
                    var sources = await service.SourcesAsync(ct);
                    var (raw, _) = await rig.StoredAsync(ct);
                    var at = DateTimeOffset.UtcNow;
                    await service.KillAsync();
                    var kill = new Kill(index + 1, at - started, collected + (at - collecting), planned, service.Number, at - service.StartedAt, raw, Phase(sources));
                    killed.Add(kill);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{kill.Number,4} {kill.At.TotalSeconds,7:0.0} {kill.Collecting.TotalSeconds,12:0.0} {kill.Planned.TotalSeconds,7:0.0} {kill.Start,5} {kill.Uptime.TotalSeconds,6:0.0} {kill.Raw,8}  {kill.Phase}"));
                }

                collected += DateTimeOffset.UtcNow - collecting;
                service.Dispose();
                service = rig.Launch();
                collecting = await AwaitCollectingAsync(service, companies, ct);
                startUps.Add(collecting - service.StartedAt);
            }

            // The cut-off: once the period of collection is over, and the last start has collected for a while.
            var left = period - collected - (DateTimeOffset.UtcNow - collecting);
            var settle = collecting + TimeSpan.FromSeconds(5) - DateTimeOffset.UtcNow;
            var pause = left > settle ? left : settle;
            if (pause > TimeSpan.Zero)
            {
                await WaitOrExitAsync(service, pause, ct);
            }

            var cutoff = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            clock.Freeze(cutoff);
            Console.WriteLine($"cut-off at {(cutoff - started).TotalSeconds:0.0} s ({cutoff:O}): the simulator's timeline stops there; " +
                $"start-up (launch to every scraper resumed) took {startUps.Average(t => t.TotalSeconds):0.0} s on average, {startUps.Max(t => t.TotalSeconds):0.0} s at most");

            var groundTruth = rig.Service.Truth(service.StartedAt, cutoff);
            var (windowStart, published, truth, newest) = (groundTruth.From, groundTruth.Published, groundTruth.Ids, groundTruth.NewestByCompany);

            var caughtUp = await AwaitCaughtUpAsync(rig, service, companies, newest, ct);
            if (service.HasExited)
            {
                selfExits.Add($"start {service.Number} exited by itself with code {service.ExitCode}: {service.Tail(5)}");
            }

            Console.WriteLine(caughtUp.Done
                ? $"caught up at {(caughtUp.At - started).TotalSeconds:0.0} s: every scraper live, past its newest post before the cut-off, nothing new stored for {Quiet.TotalSeconds:0} s"
                : $"NOT caught up within {CatchUpLimit.TotalMinutes:0} min: {caughtUp.Detail}; comparing what is stored anyway");
            await service.KillAsync();

            var result = await StoredPostsComparison.CompareAsync(rig.Postgres.DataSource, truth, groundTruth.Describe, ct);
            Console.WriteLine($"ground truth: {truth.Count} posts (distinct status ids of {published.Count} timeline items) that appeared from {windowStart:O} to the cut-off; " +
                $"{service.Number} starts, {killed.Count} kills");
            foreach (var exit in selfExits)
            {
                Console.WriteLine($"note: {exit}");
            }

            Console.WriteLine($"kill times (s after the first start): {string.Join(", ", killed.Select(k => k.At.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)))}");
            var inBackfill = killed.Count(k => k.Phase.Contains("backfill", StringComparison.Ordinal));
            Console.WriteLine($"  {inBackfill} while some scraper was in its backfill, {killed.Count(k => k.Phase == "all live")} with every scraper live" +
                (inBackfill == 0 ? " (none hit the backfill: try another --seed or more --kills)" : string.Empty));
            result.Print();
            Console.WriteLine($"lost={result.Lost} duplicated={result.Duplicated}");
            return result.Lost == 0 && result.Duplicated == 0 && result.Inconsistent == 0 && caughtUp.Done ? 0 : 1;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("chaos: interrupted");
            return 130;
        }
        finally
        {
            service.Dispose();
        }
    }

    private static string Phase(IReadOnlyList<ScraperStatus>? sources)
    {
        if (sources is null)
        {
            return "not answering";
        }

        var live = sources.Count(s => s.Mode.StartsWith("live", StringComparison.Ordinal));
        return live == sources.Count ? "all live" : $"backfill {sources.Count - live}/{sources.Count}";
    }

    /// <summary>Until every company's scraper has reported (the service is collecting).</summary>
    private static async Task<DateTimeOffset> AwaitCollectingAsync(ServiceProcess service, int companies, CancellationToken ct)
    {
        while (true)
        {
            if (service.HasExited)
            {
                throw new InvalidOperationException($"start {service.Number} of the service exited by itself (code {service.ExitCode}) before collecting:\n{service.Tail(30)}");
            }

            if (await service.SourcesAsync(ct) is { } sources && sources.Count == companies)
            {
                return DateTimeOffset.UtcNow;
            }

            if (DateTimeOffset.UtcNow - service.StartedAt > StartUpLimit)
            {
                throw new InvalidOperationException($"start {service.Number} of the service did not report its scrapers within {StartUpLimit.TotalMinutes:0} min:\n{service.Tail(30)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static async Task WaitOrExitAsync(ServiceProcess service, TimeSpan wait, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(wait);
        try
        {
            await service.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The wait is over and the service still runs: the usual case.
        }
    }

    /// <summary>
    /// Every scraper live with its newest committed id at or past the company's newest post before the
    /// cut-off, then <see cref="Quiet"/> with no new raw row while each scraper commits
    /// <see cref="QuietPages"/> more pages (so it is polling, not stuck, and no older page is still on its way).
    /// </summary>
    private static async Task<(bool Done, DateTimeOffset At, string Detail)> AwaitCaughtUpAsync(
        ServiceRig rig, ServiceProcess service, int companies, IReadOnlyDictionary<string, long> newest, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + CatchUpLimit;
        (DateTimeOffset Since, long Raw, Dictionary<string, long> Pages)? quiet = null;
        var detail = "the service never answered";
        while (DateTimeOffset.UtcNow < deadline && !service.HasExited)
        {
            var sources = await service.SourcesAsync(ct);
            var (raw, _) = await rig.StoredAsync(ct);
            var now = DateTimeOffset.UtcNow;
            if (sources is null || sources.Count < companies)
            {
                quiet = null;
                detail = sources is null ? "the service does not answer" : $"{sources.Count} of {companies} scrapers reported";
            }
            else
            {
                var behind = sources.Where(s => !s.Mode.StartsWith("live", StringComparison.Ordinal)
                    || (newest.TryGetValue(s.Company, out var target) && (s.NewestId ?? long.MinValue) < target)).ToList();
                if (behind.Count > 0)
                {
                    quiet = null;
                    detail = "behind: " + string.Join(", ", behind.Select(s => $"{s.Scraper} ({s.Mode}, newest {s.NewestId}, last error {s.LastError})"));
                }
                else if (quiet is not { } q || q.Raw != raw)
                {
                    quiet = (now, raw, sources.ToDictionary(s => s.Scraper, s => s.PagesCommitted));
                    detail = "caught up, waiting for quiet";
                }
                else if (now - q.Since >= Quiet)
                {
                    var idle = sources.Where(s => s.PagesCommitted - q.Pages.GetValueOrDefault(s.Scraper) < QuietPages).ToList();
                    if (idle.Count == 0)
                    {
                        return (true, now, "caught up");
                    }

                    detail = "not polling: " + string.Join(", ", idle.Select(s => $"{s.Scraper} ({s.PagesCommitted - q.Pages.GetValueOrDefault(s.Scraper)} pages in {(now - q.Since).TotalSeconds:0} s, last error {s.LastError})"));
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }

        return (false, DateTimeOffset.UtcNow, service.HasExited ? $"the service exited (code {service.ExitCode})" : detail);
    }

    private sealed record Kill(int Number, TimeSpan At, TimeSpan Collecting, TimeSpan Planned, int Start, TimeSpan Uptime, long Raw, string Phase);
}
