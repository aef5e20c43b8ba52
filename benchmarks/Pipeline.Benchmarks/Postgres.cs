using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Postgres;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>A throwaway PostgreSQL with the pipeline schema, for one benchmark run.</summary>
public sealed class Postgres : IAsyncDisposable
{
    private readonly LocalPostgres _server;
    private readonly string _directory;

    private Postgres(LocalPostgres server, string directory, NpgsqlDataSource dataSource)
    {
        _server = server;
        _directory = directory;
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public string ConnectionString => _server.ConnectionString;

    /// <summary>The server log (auto_explain writes its plans there).</summary>
    public string LogFile => _server.LogFile;

    public static async Task<Postgres> StartAsync(IReadOnlyDictionary<string, string>? serverSettings = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"pipeline-bench-pg-{Guid.NewGuid():N}");
        var server = await LocalPostgres.StartAsync(new LocalPostgresOptions(Path.Combine(directory, "data"), Durable: false)
        {
            ServerSettings = serverSettings ?? new Dictionary<string, string>(),
        });
        var dataSource = PipelineDataSource.Create(server.ConnectionString);
        await new SchemaMigrator(dataSource).MigrateAsync();
        await CompanyCatalog.SyncAsync(dataSource, SyntheticTweets.Companies);
        return new Postgres(server, directory, dataSource);
    }

    /// <summary>
    /// CPU seconds (user + system) the server has used so far: the postmaster's own and its exited children's (the
    /// backends of closed connections), plus the live children's (background processes, open connections).
    /// </summary>
    public double CpuSeconds()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(_directory, "data", "postmaster.pid")).First().Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var total = Ticks(postmaster, withChildren: true);
        foreach (var task in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(task), out var pid) && pid != postmaster && Stat(pid) is { } stat && stat[1] == postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                total += Ticks(pid, withChildren: false);
            }
        }

        return total / 100.0;

        static long Ticks(int pid, bool withChildren)
        {
            // Fields after the command name: ppid is the 2nd, utime/stime the 12th/13th, cutime/cstime the 14th/15th (clock ticks, 100/s).
            var fields = Stat(pid);
            if (fields is null)
            {
                return 0;
            }

            long Field(int i) => long.Parse(fields[i], System.Globalization.CultureInfo.InvariantCulture);
            return Field(11) + Field(12) + (withChildren ? Field(13) + Field(14) : 0);
        }

        static string[]? Stat(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
