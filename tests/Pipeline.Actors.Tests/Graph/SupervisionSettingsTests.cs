using Pipeline.Actors.Graph;

namespace Pipeline.Actors.Tests.Graph;

public sealed class SupervisionSettingsTests
{
    [Fact]
    public void Delay_doubles_from_the_minimum_up_to_the_maximum_without_jitter()
    {
        var settings = new SupervisionSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0);

        Assert.Equal(
            [1, 2, 4, 8, 16, 30, 30],
            new[] { 0, 1, 2, 3, 4, 5, 1_000 }.Select(failures => settings.DelayAfter(failures, new Random(1)).TotalSeconds));
    }

    [Fact]
    public void Jitter_only_lengthens_a_delay_and_by_at_most_the_random_factor()
    {
        var settings = new SupervisionSettings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);
        var random = new Random(7);

        var delays = Enumerable.Range(0, 200).Select(_ => settings.DelayAfter(5, random)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(36)));
        Assert.True(delays.Distinct().Count() > 1, "jittered");
    }
}
