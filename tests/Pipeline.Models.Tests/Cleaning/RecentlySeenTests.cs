using Pipeline.Models.Cleaning;

namespace Pipeline.Models.Tests.Cleaning;

public sealed class RecentlySeenTests
{
    [Fact]
    public void Forgets_the_oldest_key_beyond_capacity()
    {
        var seen = new RecentlySeen<int>(2);

        Assert.True(seen.Add(1));
        Assert.True(seen.Add(2));
        Assert.False(seen.Add(1));
        Assert.True(seen.Add(3));

        Assert.Equal(2, seen.Count);
        Assert.False(seen.Contains(1));
        Assert.True(seen.Add(1));
    }
}
