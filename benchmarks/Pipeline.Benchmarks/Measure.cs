using System.Diagnostics;
using Npgsql;

namespace Pipeline.Benchmarks;

/// <summary>Timing and SQL helpers the database benchmarks share.</summary>
internal static class Measure
{
    /// <summary>Median milliseconds of <paramref name="runs"/> runs of <paramref name="work"/>, after one untimed run when <paramref name="warmUp"/>.</summary>
    public static async Task<double> MedianAsync(int runs, Func<Task> work, bool warmUp = true)
    {
        if (warmUp)
        {
            await work(); // plans, caches, connections
        }

        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            await work();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Runs one statement without a time limit (loads and VACUUM at a million rows take minutes).</summary>
    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }
}
