using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Actors.Graph;
using Pipeline.Host.Http;

namespace Pipeline.Host.Tests.Http;

public sealed class GraphHealthCheckTests
{
    private static Task<HealthCheckResult> Check(PipelineStatus status) =>
        new ImportGraphHealthCheck(status).CheckHealthAsync(new HealthCheckContext());

    [Fact]
    public async Task Failed_import_graph_is_unready_with_its_error_and_restart_time_until_it_runs_again()
    {
        var status = new PipelineStatus();
        status.GraphStarted();
        Assert.Equal(HealthStatus.Healthy, (await Check(status)).Status);

        status.RestartPending("tweets.jsonl: PostgreSQL did not accept a batch", new DateTimeOffset(2025, 1, 6, 9, 30, 5, TimeSpan.Zero));
        var failed = await Check(status);

        Assert.Equal(HealthStatus.Unhealthy, failed.Status);
        Assert.Equal("the import graph failed (tweets.jsonl: PostgreSQL did not accept a batch); it restarts at 09:30:05 UTC", failed.Description);

        status.GraphStarted();
        Assert.Equal(HealthStatus.Healthy, (await Check(status)).Status);
        Assert.Null(status.Restart);
    }

    [Fact]
    public async Task The_file_being_imported_is_named_without_its_folder()
    {
        var status = new PipelineStatus();
        status.GraphStarted();
        status.Processing("/srv/pipeline/inbox/tweets-2025-01.jsonl");

        Assert.Equal("running, importing tweets-2025-01.jsonl", (await Check(status)).Description);
    }

    [Fact]
    public async Task Stopped_graph_without_a_pending_restart_is_unready()
    {
        var status = new PipelineStatus();
        status.GraphStarted();
        status.GraphStopped();

        var result = await Check(status);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("the import graph is not running", result.Description);
    }
}
