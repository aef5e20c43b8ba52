using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Pipeline.Benchmarks;

/// <summary>
/// The real service as 1, 2 and 3 local node processes (one Akka.Cluster, one PostgreSQL, the demo's simulator):
/// the time for the cluster to collect and score a fixed simulator backlog (no live posts: the ground truth is known
/// in advance), then, on the largest cluster with a live stream, the failover time: from a node's SIGKILL to the
/// first post committed by one of the scrapers it hosted, now on a survivor (p50 over K kills, the node restarted
/// and the cluster whole again between kills).
/// </summary>
public static class ClusterBenchmark
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    public static async Task<int> RunAsync(int maxNodes, int backlogDays, double postsPerDay, int kills, string? extraConfig, string? hostDll, string? logs)
    {
        using var termination = new Termination();
        var ct = termination.Token;
        var config = extraConfig ?? string.Empty;
        Console.WriteLine($"cluster: backlog {backlogDays} days x {postsPerDay:0}/day, 13 companies, poll 1 s, no simulated faults; " +
            $"{Environment.ProcessorCount} cores{(config.Length > 0 ? "; extra settings: " + config.Replace('\n', ' ') : string.Empty)}");
        var rows = new List<(int Nodes, long Posts, TimeSpan Formed, TimeSpan Collected)>();
        try
        {
            for (var nodes = 1; nodes <= maxNodes; nodes++)
            {
                rows.Add(await CollectAsync(nodes, backlogDays, postsPerDay, config, hostDll, logs, ct));
            }

            Console.WriteLine();
            Console.WriteLine($"{"nodes",5} {"posts",7} {"formed s",9} {"collect s",10} {"posts/s",8} {"vs 1 node",9}");
            foreach (var row in rows)
            {
                var rate = row.Posts / row.Collected.TotalSeconds;
                var baseline = rows[0].Posts / rows[0].Collected.TotalSeconds;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{row.Nodes,5} {row.Posts,7} {row.Formed.TotalSeconds,9:0.0} {row.Collected.TotalSeconds,10:0.0} {rate,8:0} {rate / baseline,8:0.00}x"));
            }

            Console.WriteLine("formed: launch to every node Up and every scraper hosted; collect: formed to every ground-truth post stored and every kept one scored");
            if (kills > 0)
            {
                var failovers = await FailoverAsync(maxNodes, kills, config, hostDll, logs, ct);
                if (failovers.Count == 0)
                {
                    return 1;
                }

                Console.WriteLine();
                Console.WriteLine($"failover ({maxNodes} nodes, SIGKILL to the first post committed by a moved scraper): " +
                    string.Join(", ", failovers.Select(f => f.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture))) +
                    string.Create(CultureInfo.InvariantCulture, $" s; p50 {Percentile(failovers, 0.5).TotalSeconds:0.0} s"));
            }

            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine("cluster: interrupted");
            return 130;
        }
    }

    private static async Task<(int, long, TimeSpan, TimeSpan)> CollectAsync(
        int nodes, int backlogDays, double postsPerDay, string config, string? hostDll, string? logs, CancellationToken ct)
    {
        await using var rig = await ServiceRig.StartAsync(new ServiceOptions(hostDll, logs is null ? null : Path.Combine(logs, $"collect-{nodes}"),
            Demo: demo => Steady(demo, backlogDays, postsPerDay, livePostsPerMinute: 0),
            ExtraConfig: config));
        using var cluster = new LocalCluster(rig.Service, nodes);
        var companies = rig.Settings.Companies.Count;
        var stopwatch = Stopwatch.StartNew();
        cluster.StartAll();
        var truth = rig.Service.Truth(cluster.FirstStart!.Value, DateTimeOffset.UtcNow);
        await AwaitFormedAsync(cluster, companies, nodes, ct);
        var formed = stopwatch.Elapsed;
        Console.WriteLine($"{nodes} node(s): formed after {formed.TotalSeconds:0.0} s; collecting {truth.Ids.Count} posts");
        var ids = truth.Ids.ToArray();
        while (true)
        {
            Check(cluster, stopwatch);
            await using var command = rig.Postgres.DataSource.CreateCommand("""
                SELECT (SELECT count(*) FROM pipeline.raw_posts WHERE post_id = ANY(@ids)),
                       (SELECT count(*) FROM pipeline.raw_posts r WHERE r.drop_reason IS NULL
                          AND NOT EXISTS (SELECT 1 FROM pipeline.scored_posts s WHERE s.post_id = r.post_id))
                """);
            command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.GetInt64(0) == ids.Length && reader.GetInt64(1) == 0)
            {
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }

        var collected = stopwatch.Elapsed - formed;
        var result = await StoredPostsComparison.CompareAsync(rig.Postgres.DataSource, truth.Ids, truth.Describe, ct);
        Console.WriteLine($"{nodes} node(s): collected and scored in {collected.TotalSeconds:0.0} s; lost={result.Lost} duplicated={result.Duplicated}");
        return (nodes, ids.Length, formed, collected);
    }

    /// <summary>The simulator both measurements use: a flat live rate without incidents, polled every second, no pauses between requests, no faults.</summary>
    private static Pipeline.Host.Demo.DemoSettings Steady(Pipeline.Host.Demo.DemoSettings demo, int backlogDays, double postsPerDay, double livePostsPerMinute) =>
        demo.Steady() with
        {
            BacklogDays = backlogDays,
            BacklogPostsPerDay = postsPerDay,
            LivePostsPerMinute = livePostsPerMinute,
            PollInterval = TimeSpan.FromSeconds(1),
            RequestInterval = TimeSpan.Zero,
            Faults = Pipeline.Actors.Sources.Simulator.SimulatedFaults.None,
        };

    private static async Task<List<TimeSpan>> FailoverAsync(int nodes, int kills, string config, string? hostDll, string? logs, CancellationToken ct)
    {
        await using var rig = await ServiceRig.StartAsync(new ServiceOptions(hostDll, logs is null ? null : Path.Combine(logs, "failover"),
            // About 5 posts a second: a moved scraper has something new to commit as soon as it resumes.
            Demo: demo => Steady(demo, backlogDays: 1, postsPerDay: 200, livePostsPerMinute: 300),
            ExtraConfig: config));
        using var cluster = new LocalCluster(rig.Service, nodes);
        var companies = rig.Settings.Companies.Count;
        cluster.StartAll();
        var failovers = new List<TimeSpan>();
        for (var kill = 1; kill <= kills; kill++)
        {
            try
            {
                await KillOnceAsync(rig, cluster, companies, nodes, kill, failovers, ct);
            }
            catch (InvalidOperationException e)
            {
                // Report what was measured rather than nothing: the reason (the nodes' last lines) and the kills before it.
                Console.WriteLine($"kill {kill}: FAILED, {e.Message}");
                break;
            }
        }

        return failovers;
    }

    private static async Task KillOnceAsync(ServiceRig rig, LocalCluster cluster, int companies, int nodes, int kill, List<TimeSpan> failovers, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var view = await AwaitFormedAsync(cluster, companies, nodes, ct);
        // Rotate the victim among the nodes that host scrapers.
        var hosting = Enumerable.Range(0, nodes).Where(i => view.ScrapersPerNode.ContainsKey(LocalCluster.Address(cluster.Ports[i]))).ToList();
        var victim = hosting[kill % hosting.Count];
        var address = LocalCluster.Address(cluster.Ports[victim]);
        var moved = view.Scrapers.Where(s => s.Value == address).Select(s => s.Key[(s.Key.IndexOf(':', StringComparison.Ordinal) + 1)..]).ToArray();
        DateTime killedAt;
        await using (var now = rig.Postgres.DataSource.CreateCommand("SELECT clock_timestamp()"))
        {
            await cluster.KillAsync(victim);
            killedAt = (DateTime)(await now.ExecuteScalarAsync(ct))!;
        }

        stopwatch.Restart();
        while (true)
        {
            Check(cluster, stopwatch);
            await using var command = rig.Postgres.DataSource.CreateCommand(
                "SELECT min(first_stored_at) FROM pipeline.raw_posts WHERE company_id = ANY(@moved) AND first_stored_at > @at");
            command.Parameters.AddWithValue("moved", moved);
            command.Parameters.AddWithValue("at", killedAt);
            if (await command.ExecuteScalarAsync(ct) is DateTime first)
            {
                failovers.Add(first - killedAt);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"kill {kill}: {LocalCluster.NodeName(victim)} hosted {moved.Length} scrapers; first post of one of them committed {(first - killedAt).TotalSeconds:0.0} s later"));
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        cluster.Start(victim);
    }

    private static async Task<ClusterSnapshot> AwaitFormedAsync(LocalCluster cluster, int companies, int members, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            Check(cluster, stopwatch);
            if (await cluster.ViewAsync(ct) is { } view && view.Up.Count == members && view.Members.Count == members
                && view.Scrapers.Count == companies && view.Scrapers.Values.All(view.Up.Contains))
            {
                return view;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private static void Check(LocalCluster cluster, Stopwatch stopwatch)
    {
        if (cluster.Running.Count() < Enumerable.Range(0, cluster.Count).Count(i => cluster[i] is not null) - 1
            || stopwatch.Elapsed > Limit)
        {
            throw new InvalidOperationException($"the cluster stopped or took longer than {Limit.TotalMinutes:0} min:{cluster.Tails(30)}");
        }
    }

    private static TimeSpan Percentile(List<TimeSpan> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Clamp(Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
    }
}
