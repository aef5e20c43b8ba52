using Akka.Configuration;
using Pipeline.Actors.Sources.Simulator;
using Pipeline.Host.Demo;

namespace Pipeline.Host.Settings;

public static partial class SettingsLoader
{
    /// <summary>Reads <c>pipeline.demo</c>; like <see cref="Load"/>, every bad value is named before failing.</summary>
    public static DemoSettings LoadDemo(Config config)
    {
        var reader = new Reader(config);
        var settings = new DemoSettings(
            reader.Int("pipeline.demo.seed", int.MinValue, int.MaxValue),
            reader.Int("pipeline.demo.backlog-days", 0, 365),
            reader.Double("pipeline.demo.backlog-posts-per-day", 0, 1_000_000),
            reader.Double("pipeline.demo.live-posts-per-minute", 0, 10_000),
            reader.Duration("pipeline.demo.poll-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            reader.Duration("pipeline.demo.request-interval", TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            new SimulatedFaults(
                reader.Double("pipeline.demo.rate-limit-probability", 0, 1),
                reader.Duration("pipeline.demo.rate-limit-reset", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
                reader.Double("pipeline.demo.slow-page-probability", 0, 1),
                reader.Duration("pipeline.demo.slow-page-delay", TimeSpan.Zero, TimeSpan.FromMinutes(1))),
            reader.String("pipeline.demo.folder"),
            reader.Int("pipeline.demo.simulator-port", 0, 65535));
        reader.ThrowIfInvalid();
        return settings;
    }
}
