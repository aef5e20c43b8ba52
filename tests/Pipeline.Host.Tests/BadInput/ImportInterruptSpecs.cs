using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Npgsql;
using Pipeline.Host.Commands;

namespace Pipeline.Host.Tests.BadInput;

/// <summary>
/// <c>pipeline import</c> stopped by SIGTERM (an orchestrator ending the job, or Ctrl+C): it stops reading, commits what
/// it had read, prints its summary marked as interrupted and exits with 130, the real program in a process of its own.
/// </summary>
public sealed class ImportInterruptSpecs(PostgresFixture postgres)
{
    // Far more than one import gets through before the first batch is committed and the signal arrives.
    private const int Posts = 300_000;
    private const int SigTerm = 15;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Import_on_SIGTERM_commits_what_it_read_prints_an_interrupted_summary_and_exits_130()
    {
        using var folder = new TempDirectory();
        var posts = folder.Combine("posts.jsonl");
        SyntheticTweets.WriteJsonLines(posts, SyntheticTweets.Generate(Posts, firstId: 1));
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var database = NpgsqlDataSource.Create(connectionString);

        var run = await PipelineProcess.RunAsync(folder.Path, new Dictionary<string, string> { ["PIPELINE_DB"] = connectionString }, Timeout,
            async process =>
            {
                await Eventually.TrueAsync("a first batch committed", async () => process.HasExited || await StoredAsync(database) > 0, Timeout);
                Assert.False(process.HasExited, "the import ended before it was signalled");
                Assert.Equal(0, Kill(process.Id, SigTerm));
            },
            "import", posts);

        Assert.True(run.ExitCode == ExitCodes.Interrupted, $"exit code {run.ExitCode}; stderr:\n{run.Error}");
        Assert.Contains("posts.jsonl (interrupted)", run.Output, StringComparison.Ordinal);
        var stored = await StoredAsync(database);
        Assert.InRange(stored, 1, Posts - 1);
        // The summary counts what the database holds: the batches in flight were committed before it was printed.
        Assert.Equal(stored, Count(run.Output, "stored (new posts)"));
    }

    private static async Task<long> StoredAsync(NpgsqlDataSource database)
    {
        try
        {
            await using var command = database.CreateCommand("SELECT count(*) FROM pipeline.raw_posts");
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Not migrated yet.
            return 0;
        }
    }

    /// <summary>A row of the summary table, e.g. <c>│ read │ 9,288 │</c>.</summary>
    private static long Count(string output, string row)
    {
        var match = Regex.Match(output, $@"│\s*{Regex.Escape(row)}\s*│\s*([\d,]+)\s*│");
        Assert.True(match.Success, $"no '{row}' row in the summary:\n{output}");
        return long.Parse(match.Groups[1].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
    }

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
