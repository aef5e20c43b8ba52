using Pipeline.Actors.Sources;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Demo;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Tests.Demo;

/// <summary>The simulated instance over real loopback HTTP, read by the real Nitter source.</summary>
public sealed class SimulatorServerTests
{
    private static readonly Company Gtbank =
        new(new CompanyId("gtbank"), "GTBank", ["@gtbank", "@gtbank_help"], ["gtbank", "gtb"], "Nigeria", "Banking");

    private static SimulationSettings Simulation => new(11, DateTimeOffset.UtcNow, TimeSpan.FromDays(2), 2000, 10);

    [Fact]
    public async Task Rate_limited_requests_carry_a_retry_after_and_later_requests_get_pages_again()
    {
        var faults = new SimulatedFaults(0.4, TimeSpan.FromSeconds(3), 0, TimeSpan.Zero);
        await using var server = await SimulatorServer.StartAsync([Gtbank], Simulation, faults);
        using var http = new HttpClient();
        var source = new NitterSource(http, server.BaseUrl, new NitterSourceOptions("test", TimeSpan.FromSeconds(10)));
        var request = new SearchRequest(Gtbank, null, null, null, null);

        var outcomes = new List<FetchOutcome>();
        for (var i = 0; i < 30; i++)
        {
            outcomes.Add(await source.FetchAsync(request, CancellationToken.None));
        }

        var limited = outcomes.OfType<FetchOutcome.RateLimited>().ToList();
        Assert.InRange(limited.Count, 4, 20);
        Assert.All(limited, l => Assert.NotNull(l.ResetAt));
        var firstLimit = outcomes.FindIndex(o => o is FetchOutcome.RateLimited);
        var recovered = Assert.IsType<FetchOutcome.Page>(outcomes.Skip(firstLimit).First(o => o is FetchOutcome.Page));
        Assert.Equal(SimulatedNitter.PageSize, recovered.Items.Count);
        Assert.NotNull(recovered.NextCursor);
        Assert.All(outcomes, o => Assert.True(o is FetchOutcome.Page or FetchOutcome.RateLimited, o.ToString()));
    }

    [Fact]
    public async Task A_slow_page_outlasts_a_short_client_timeout_and_counts_as_unavailable()
    {
        var faults = new SimulatedFaults(0, TimeSpan.Zero, 1, TimeSpan.FromSeconds(5));
        await using var server = await SimulatorServer.StartAsync([Gtbank], Simulation, faults);
        using var http = new HttpClient();
        var source = new NitterSource(http, server.BaseUrl, new NitterSourceOptions("test", TimeSpan.FromMilliseconds(300)));

        var outcome = await source.FetchAsync(new SearchRequest(Gtbank, null, null, null, null), CancellationToken.None);

        Assert.IsType<FetchOutcome.Unavailable>(outcome);
    }
}
