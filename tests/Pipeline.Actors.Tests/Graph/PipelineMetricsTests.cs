using System.Diagnostics.Metrics;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Graph;

public sealed class PipelineMetricsTests
{
    private static PipelineItem Post(long id, PostSource source, DateTimeOffset created) => new PipelineItem.Dropped(
        new RawPost(new PostId(id), new CompanyId("gtbank"), source, null, "ada", "@gtbank hello", created, 0, 0, 0, 0, null, "en", false, false, created),
        new CompanyId("gtbank"), DropReason.NotRelevant, $"test#{id}");

    [Fact]
    public void Source_lag_is_now_minus_the_newest_committed_post_of_each_source_and_ignores_posts_dated_in_the_future()
    {
        using var metrics = new PipelineMetrics();
        var now = DateTimeOffset.UtcNow;
        metrics.Committed(new BatchCommitted(
        [
            Post(1, PostSource.XApi, now.AddHours(-5)),
            Post(2, PostSource.XApi, now.AddHours(-1)),
            Post(3, PostSource.XApi, now.AddDays(30)),
            Post(4, PostSource.Nitter, now.AddHours(-2)),
        ], 4, 1, TimeSpan.FromMilliseconds(12)));

        var lag = Observe(metrics, "pipeline_source_lag_seconds");

        Assert.Equal(["nitter", "x_api"], lag.Keys.Order(StringComparer.Ordinal));
        Assert.InRange(lag["x_api"], 3600, 3600 + 60);
        Assert.InRange(lag["nitter"], 7200, 7200 + 60);
    }

    [Fact]
    public void Each_instance_has_a_meter_of_its_own_so_a_listener_to_one_never_sees_another()
    {
        using var first = new PipelineMetrics();
        using var second = new PipelineMetrics();
        second.Committed(new BatchCommitted([Post(1, PostSource.Import, DateTimeOffset.UtcNow.AddMinutes(-1))], 1, 1, TimeSpan.Zero));

        Assert.NotSame(first.Meter, second.Meter);
        Assert.Equal(PipelineMetrics.MeterName, first.Meter.Name);
        Assert.Empty(Observe(first, "pipeline_source_lag_seconds"));
        Assert.Single(Observe(second, "pipeline_source_lag_seconds"));
    }

    /// <summary>The values an observable instrument of <paramref name="metrics"/> gives now, by its <c>source</c> label.</summary>
    private static Dictionary<string, double> Observe(PipelineMetrics metrics, string instrument)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter, metrics.Meter) && i.Name == instrument)
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "source")
                {
                    values[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
