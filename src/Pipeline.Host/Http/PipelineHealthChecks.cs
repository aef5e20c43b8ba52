using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Pipeline.Actors.Alerts;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Http;

/// <summary>Ready only while the database answers: a node that cannot store should not receive work.</summary>
public sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var command = dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy("PostgreSQL answers");
        }
        catch (Exception e)
        {
            // The driver's message goes only to operators (PipelineEndpoints' writer): it may name hosts and users.
            return HealthCheckResult.Unhealthy("database unreachable", e);
        }
    }
}

/// <summary>Every shipped migration is applied (checked against the database until it first is).</summary>
public sealed class MigrationsHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    private readonly SchemaMigrator _migrator = new(dataSource);
    private volatile bool _upToDate;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            _upToDate = _upToDate || await _migrator.IsUpToDateAsync(ct);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("cannot read the schema version", e);
        }

        return _upToDate
            ? HealthCheckResult.Healthy($"schema at version {_migrator.LatestVersion}")
            : HealthCheckResult.Unhealthy($"migrations up to version {_migrator.LatestVersion} are not applied");
    }
}

/// <summary>The file importer's graph (configured files and the inbox) is running; a failed one says why and when it restarts.</summary>
public sealed class ImportGraphHealthCheck(PipelineStatus status) : IHealthCheck
{
    public const string Name = "import-graph";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        Task.FromResult(status switch
        {
            { GraphRunning: true } => HealthCheckResult.Healthy(status.CurrentInput is { } input ? $"running, importing {Path.GetFileName(input)}" : "running"),
            { Restart: { } restart } => HealthCheckResult.Unhealthy(
                $"the import graph failed ({restart.Error}); it restarts at {restart.At.UtcDateTime:HH:mm:ss} UTC"),
            _ => HealthCheckResult.Unhealthy("the import graph is not running"),
        });
}

/// <summary>Which model a scoring stage uses and since when; Degraded while a topic catalog is not yet published.</summary>
public sealed class ModelHealthCheck(Func<ModelState?> state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (state() is not { } current)
        {
            return Task.FromResult(HealthCheckResult.Healthy("disabled"));
        }

        // The folder's name for everyone; its absolute path (PrivateKeys) only for operators.
        var folder = Path.GetFileName(Path.TrimEndingDirectorySeparator(current.Origin));
        var data = new Dictionary<string, object>
        {
            ["version"] = current.Version,
            ["loadedAt"] = current.LoadedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["origin"] = folder,
            ["path"] = current.Origin,
        };
        var description = $"{current.Version}, loaded {data["loadedAt"]} from {folder}";
        return Task.FromResult(current.Problem is { } problem
            ? HealthCheckResult.Degraded($"{description}; {problem}", data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}

/// <summary>What <see cref="ModelHealthCheck"/> reports.</summary>
public sealed record ModelState(string Version, DateTimeOffset LoadedAt, string Origin, string? Problem = null);

/// <summary>A check whose answer is computed by a function (the scrapers' graph's state, read from its entrance).</summary>
public sealed class DelegateHealthCheck(Func<HealthCheckResult> check) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) => Task.FromResult(check());
}

/// <summary>
/// The alert detector and the webhook sender: Degraded while the last checks failed (alerts are not being raised) or
/// while an endpoint's latest delivery was abandoned (alerts are being lost there); never Unhealthy, since the pipeline
/// itself collects and stores on.
/// </summary>
public sealed class AlertsHealthCheck(AlertCounters counters, TimeProvider time) : IHealthCheck
{
    public const string Name = "alerts";

    /// <summary>Failed checks in a row from which the check says so.</summary>
    public const int FailedChecksLimit = 3;

    /// <summary>How long an abandoned delivery keeps readiness degraded unless the endpoint takes one again.</summary>
    public static readonly TimeSpan AbandonedMemory = TimeSpan.FromHours(24);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        var problems = new List<string>();
        if (counters.FailedInARow >= FailedChecksLimit)
        {
            problems.Add($"the last {counters.FailedInARow} alert checks failed");
        }

        var abandoning = counters.AbandonedEndpoints(time.GetUtcNow(), AbandonedMemory);
        if (abandoning.Count > 0)
        {
            problems.Add($"webhook deliveries are being abandoned ({string.Join(", ", abandoning)})");
        }

        var data = new Dictionary<string, object>
        {
            ["pendingDeliveries"] = counters.Pending,
            ["failedChecksInARow"] = counters.FailedInARow,
        };
        if (counters.LastCheckAt is { } last)
        {
            data["lastCheckAt"] = last.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return Task.FromResult(problems.Count > 0
            ? HealthCheckResult.Degraded(string.Join("; ", problems), data: data)
            : HealthCheckResult.Healthy(counters.LastCheckAt is null ? "no check yet" : "checking", data));
    }
}
