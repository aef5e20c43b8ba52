using Pipeline.Actors.Import;

namespace Pipeline.Actors.Tests.Import;

public sealed class InboxWatchTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly DateTimeOffset T0 = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTime Written = new(2025, 1, 6, 8, 59, 59, DateTimeKind.Utc);

    private static InboxFile File(string name, long length = 100, DateTime? written = null) =>
        new($"/inbox/{name}", length, written ?? Written);

    [Fact]
    public void File_is_ready_once_its_size_and_time_have_held_for_the_settle_time()
    {
        var watch = new InboxWatch(Settle);

        Assert.Empty(watch.Settled([File("a.csv")], T0));
        Assert.Empty(watch.Settled([File("a.csv")], T0 + Settle - TimeSpan.FromMilliseconds(1)));
        Assert.Equal(["/inbox/a.csv"], watch.Settled([File("a.csv")], T0 + Settle));
    }

    [Fact]
    public void File_that_grows_or_is_touched_waits_the_whole_settle_time_again()
    {
        var watch = new InboxWatch(Settle);
        watch.Settled([File("a.csv", 100)], T0);

        Assert.Empty(watch.Settled([File("a.csv", 200)], T0 + Settle));
        Assert.Empty(watch.Settled([File("a.csv", 200, Written.AddSeconds(3))], T0 + Settle * 1.5));
        Assert.Empty(watch.Settled([File("a.csv", 200, Written.AddSeconds(3))], T0 + Settle * 2.4));
        Assert.Equal(["/inbox/a.csv"], watch.Settled([File("a.csv", 200, Written.AddSeconds(3))], T0 + Settle * 2.5));
    }

    [Fact]
    public void Settle_time_of_zero_takes_a_file_at_first_sight()
    {
        Assert.Equal(["/inbox/a.jsonl"], new InboxWatch(TimeSpan.Zero).Settled([File("a.jsonl")], T0));
    }

    [Fact]
    public void Ready_files_come_in_name_order_and_are_forgotten_once_returned()
    {
        var watch = new InboxWatch(Settle);
        watch.Settled([File("b.csv"), File("a.jsonl")], T0);

        Assert.Equal(["/inbox/a.jsonl", "/inbox/b.csv"], watch.Settled([File("b.csv"), File("a.jsonl")], T0 + Settle));
        Assert.Null(watch.NextCheck(T0 + Settle));
        Assert.Empty(watch.Settled([File("a.jsonl")], T0 + Settle));
    }

    [Fact]
    public void File_that_disappears_and_comes_back_waits_again()
    {
        var watch = new InboxWatch(Settle);
        watch.Settled([File("a.csv")], T0);
        watch.Settled([], T0 + Settle / 2);

        Assert.Empty(watch.Settled([File("a.csv")], T0 + Settle));
    }

    [Fact]
    public void Next_check_is_when_the_first_waiting_file_may_settle()
    {
        var watch = new InboxWatch(Settle);
        watch.Settled([File("a.csv")], T0);
        watch.Settled([File("a.csv"), File("b.csv")], T0 + TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(1.5), watch.NextCheck(T0 + TimeSpan.FromSeconds(0.5)));
        Assert.Equal(TimeSpan.Zero, watch.NextCheck(T0 + TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("tweets.csv", true)]
    [InlineData("tweets.JSONL", true)]
    [InlineData("tweets.ndjson", true)]
    [InlineData("tweets.js", true)]
    [InlineData("tweets.csv.part", false)]
    [InlineData("tweets.jsonl.tmp", false)]
    [InlineData("tweets.csv.PART", false)]
    [InlineData(".tweets.csv", false)]
    [InlineData(".tweets.csv.x7Yq2b", false)]
    [InlineData("tweets.txt", false)]
    [InlineData("tweets.csv.error.txt", false)]
    [InlineData("done", false)]
    public void Partial_hidden_and_unknown_files_are_never_candidates(string name, bool candidate)
    {
        Assert.Equal(candidate, InboxWatch.IsCandidate($"/inbox/{name}"));
        Assert.Equal(candidate, new InboxWatch(TimeSpan.Zero).Settled([File(name)], T0).Count == 1);
    }
}
