using System.Globalization;
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
        double Share(string path, double max)
        {
            var raw = reader.String(path);
            if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && value <= max)
            {
                return value;
            }

            reader.Problem($"{path} = \"{raw}\": must be a number between 0 and {max.ToString(CultureInfo.InvariantCulture)}");
            return 0;
        }

        var settings = new DemoSettings(
            reader.Int("pipeline.demo.seed", int.MinValue, int.MaxValue),
            reader.Int("pipeline.demo.backlog-days", 0, 365),
            Share("pipeline.demo.backlog-posts-per-day", 1_000_000),
            Share("pipeline.demo.live-posts-per-minute", 10_000),
            reader.Duration("pipeline.demo.poll-interval", TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)),
            reader.Duration("pipeline.demo.request-interval", TimeSpan.Zero, TimeSpan.FromMinutes(1)),
            new SimulatedFaults(
                Share("pipeline.demo.rate-limit-probability", 1),
                reader.Duration("pipeline.demo.rate-limit-reset", TimeSpan.Zero, TimeSpan.FromMinutes(10)),
                Share("pipeline.demo.slow-page-probability", 1),
                reader.Duration("pipeline.demo.slow-page-delay", TimeSpan.Zero, TimeSpan.FromMinutes(1))),
            reader.String("pipeline.demo.folder"),
            reader.Int("pipeline.demo.simulator-port", 0, 65535));
        reader.ThrowIfInvalid();
        return settings;
    }
}
