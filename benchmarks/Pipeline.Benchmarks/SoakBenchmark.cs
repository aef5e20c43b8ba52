using System.Globalization;
using Pipeline.Actors.Sources.Scraping;

namespace Pipeline.Benchmarks;

/// <summary>
/// The demo left running: the simulator in this process, the real service (<c>pipeline run</c>) as a
/// child process collecting its backlog and then its live trickle (with 429s and slow pages) on a
/// throwaway PostgreSQL. Every interval, one line of what the child holds: resident memory, managed
/// heap (after the last GC, and committed), threads, open file descriptors, database connections and
/// posts stored. At the end, each one's growth per hour: the least-squares slope over the samples after
/// the warm-up, with the same slope over the first and the second half of those samples as the
/// reference for noise (a real leak grows in both halves; noise does not agree with itself).
/// </summary>
/// <remarks>
/// A child process rather than the service in this process: the numbers are the service's alone. The
/// simulator keeps every post it ever wrote (its timeline is its ground truth), so in one process its
/// growth would be read as the service's; and /proc/self would count the benchmark's own polling too.
/// The managed heap is read from the service's <c>/metrics</c> (<c>dotnet_gc_*</c>).
/// </remarks>
public static class SoakBenchmark
{
    /// <summary>After the backlog is collected, JIT tiering, pools and caches settle for this long before samples count.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(2);

    public static async Task<int> RunAsync(double minutes, TimeSpan interval, string? hostDll, string? logs)
    {
        using var termination = new Termination();
        var ct = termination.Token;
        await using var rig = await ServiceRig.StartAsync(hostDll, logs);
        using var service = rig.Launch();
        var started = DateTimeOffset.UtcNow;
        var duration = TimeSpan.FromMinutes(minutes);
        Console.WriteLine($"soak: {minutes:0.#} min, a sample every {interval.TotalSeconds:0.#} s; service pid {service.Pid} " +
            $"(dotnet {Path.GetFileName(rig.ConfigFile)} run), {rig.Settings.Companies.Count} companies, backlog {rig.Demo.BacklogDays} days x " +
            $"{rig.Demo.BacklogPostsPerDay:0}/day, then {rig.Demo.LivePostsPerMinute:0}/min, poll {rig.Demo.PollInterval.TotalSeconds:0.###} s, " +
            $"faults 429 {rig.Demo.Faults.RateLimitProbability:P0} / slow {rig.Demo.Faults.SlowPageProbability:P0}");
        Console.WriteLine($"{"elapsed",8} {"RSS MB",8} {"heap MB",8} {"commit MB",9} {"threads",7} {"fds",5} {"db conn",7} {"raw posts",9} {"scored",8}  scrapers");

        var samples = new List<Sample>();
        DateTimeOffset? allLive = null;
        try
        {
            // Samples at whole intervals from the launch, the last one at the end of the run; the first one as soon as
            // the service answers (before that there is no heap to read).
            var next = started;
            var end = started + duration;
            while (next <= end)
            {
                if (service.HasExited)
                {
                    Console.Error.WriteLine($"soak: the service exited by itself (code {service.ExitCode}); its last lines:\n{service.Tail(30)}");
                    return 1;
                }

                // Between samples, the scrapers' modes are read every second to time the end of the backlog.
                var sources = await service.SourcesAsync(ct);
                if (sources is not null && allLive is null && sources.Count == rig.Settings.Companies.Count && sources.All(IsLive))
                {
                    allLive = DateTimeOffset.UtcNow;
                    Console.WriteLine($"   (backlog collected: every scraper live at {Clock(allLive.Value - started)})");
                }

                var now = DateTimeOffset.UtcNow;
                if (now >= next && (sources is not null || samples.Count > 0))
                {
                    samples.Add(await SampleAsync(rig, service, started, sources, ct));
                    while (next <= now)
                    {
                        next += interval;
                    }

                    // The end of the run is a sample time of its own, even when it falls between two intervals.
                    if (next > end && now < end)
                    {
                        next = end;
                    }

                    continue;
                }

                var wait = Min(next - now, TimeSpan.FromSeconds(1));
                await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1), ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("soak: interrupted; growth over the samples so far:");
        }

        Report(samples, started, allLive, duration);
        await service.KillAsync();
        return ct.IsCancellationRequested ? 130 : 0;
    }

    private static bool IsLive(ScraperStatus status) => status.Mode.StartsWith("live", StringComparison.Ordinal);

    private static async Task<Sample> SampleAsync(ServiceRig rig, ServiceProcess service, DateTimeOffset started,
        IReadOnlyList<ScraperStatus>? sources, CancellationToken ct)
    {
        var at = DateTimeOffset.UtcNow;
        var resources = service.Resources();
        var metrics = await service.MetricsAsync(ct);
        var (connections, _) = await rig.ConnectionsAsync(ct);
        var (raw, scored) = await rig.StoredAsync(ct);
        double Metric(string name) => metrics?.GetValueOrDefault(name, double.NaN) ?? double.NaN;
        var sample = new Sample(at, (at - started).TotalHours,
            resources?.RssBytes / 1e6 ?? double.NaN,
            Metric("dotnet_gc_heap_size_bytes") / 1e6,
            Metric("dotnet_gc_committed_bytes") / 1e6,
            resources?.Threads ?? double.NaN,
            resources?.OpenHandles ?? double.NaN,
            connections, raw, scored);
        var companies = rig.Settings.Companies.Count;
        var live = sources?.Count(IsLive) ?? 0;
        var modes = sources is null ? "not answering" : live == companies ? "all live" : $"{live}/{companies} live";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Clock(at - started),8} {sample.RssMb,8:0.0} {sample.HeapMb,8:0.0} {sample.CommittedMb,9:0.0} {sample.Threads,7:0} {sample.Handles,5:0} {sample.Connections,7:0} {sample.Raw,9:0} {sample.Scored,8:0}  {modes}"));
        return sample;
    }

    /// <summary>
    /// The warm-up is the backlog plus <see cref="Settle"/>, but never more than half the run (a short
    /// try-out still gets a slope, over its second half, and says so).
    /// </summary>
    private static void Report(List<Sample> samples, DateTimeOffset started, DateTimeOffset? allLive, TimeSpan duration)
    {
        var wanted = (allLive ?? started + duration) - started + Settle;
        var half = TimeSpan.FromTicks(duration.Ticks / 2);
        var warmUp = wanted < half ? wanted : half;
        var steady = samples.Where(s => s.At - started >= warmUp).ToList();
        var why = allLive is null
            ? "the backlog was never fully collected; half the run"
            : warmUp == wanted ? $"backlog collected at {Clock(allLive.Value - started)} + {Settle.TotalMinutes:0} min settling"
            : $"backlog collected at {Clock(allLive.Value - started)} + {Settle.TotalMinutes:0} min settling would leave less than half the run; half the run instead";
        Console.WriteLine();
        Console.WriteLine($"warm-up: the first {Clock(warmUp)} ({why}); {steady.Count} samples after it, from {(steady.Count > 0 ? Clock(steady[0].At - started) : "-")} to {(steady.Count > 0 ? Clock(steady[^1].At - started) : "-")}");
        if (steady.Count < 3)
        {
            Console.WriteLine("too few samples after the warm-up for a slope (3 needed); run longer or sample more often");
            return;
        }

        // With an odd count the middle sample belongs to both halves.
        var first = steady.Take((steady.Count + 1) / 2).ToList();
        var second = steady.Skip(steady.Count / 2).ToList();
        Console.WriteLine("growth per hour (least-squares slope); reference: the same slope over the first and the second half of those samples");
        Console.WriteLine($"{"metric",-16} {"first",10} {"last",10} {"per hour",10} {"1st half/h",11} {"2nd half/h",11}");
        Row("RSS MB", steady, first, second, s => s.RssMb);
        Row("GC heap MB", steady, first, second, s => s.HeapMb);
        Row("GC committed MB", steady, first, second, s => s.CommittedMb);
        Row("threads", steady, first, second, s => s.Threads);
        Row("open fds", steady, first, second, s => s.Handles);
        Row("db connections", steady, first, second, s => s.Connections);
        Row("raw posts", steady, first, second, s => s.Raw);
        Row("scored posts", steady, first, second, s => s.Scored);
        Console.WriteLine("(raw and scored posts grow with the live trickle by design: they show the service kept collecting)");
    }

    private static void Row(string name, List<Sample> all, List<Sample> first, List<Sample> second, Func<Sample, double> value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-16} {value(all[0]),10:0.0} {value(all[^1]),10:0.0} {Slope(all, value),10:+0.00;-0.00;0.00} {Slope(first, value),11:+0.00;-0.00;0.00} {Slope(second, value),11:+0.00;-0.00;0.00}"));

    /// <summary>Least-squares slope of the value against hours.</summary>
    private static double Slope(List<Sample> samples, Func<Sample, double> value)
    {
        var points = samples.Select(s => (X: s.Hours, Y: value(s))).Where(p => !double.IsNaN(p.Y)).ToList();
        if (points.Count < 2)
        {
            return double.NaN;
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return sxx == 0 ? double.NaN : points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / sxx;
    }

    private static string Clock(TimeSpan elapsed) => $"{(int)elapsed.TotalMinutes}:{elapsed.Seconds:00}";

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record Sample(DateTimeOffset At, double Hours, double RssMb, double HeapMb, double CommittedMb, double Threads,
        double Handles, double Connections, double Raw, double Scored);
}
