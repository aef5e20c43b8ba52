using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>Swapping models under running batches: leases keep a swapped-out model alive until its last batch is done.</summary>
public sealed class ModelSlotTests
{
    private static LoadedModel<T> Loaded<T>(T model, string version) where T : class => new(model, version, DateTimeOffset.UtcNow, "test");

    [Fact]
    public void A_swapped_out_model_is_disposed_only_when_the_batch_holding_it_lets_go()
    {
        var old = new TrackedScorer("a");
        var next = new TrackedScorer("b");
        using var slot = new ModelSlot<TrackedScorer>(Loaded(old, "a"));

        var lease = slot.Lease();
        var previous = slot.Swap(Loaded(next, "b"));

        Assert.Equal("a", previous.Version);
        Assert.False(old.Disposed);
        Assert.Equal("a", lease.Model.Score(["still scoring"])[0].ModelVersion);
        using (var after = slot.Lease())
        {
            Assert.Same(next, after.Model);
        }

        lease.Dispose();
        Assert.True(old.Disposed);
        Assert.False(next.Disposed);
    }

    [Fact]
    public void A_model_no_batch_holds_is_disposed_at_the_swap_and_the_current_one_when_the_slot_is()
    {
        var old = new TrackedScorer("a");
        var next = new TrackedScorer("b");
        var slot = new ModelSlot<TrackedScorer>(Loaded(old, "a"));

        slot.Swap(Loaded(next, "b"));
        Assert.True(old.Disposed);

        slot.Dispose();
        Assert.True(next.Disposed);
        Assert.Throws<ObjectDisposedException>(() => slot.Lease());
    }

    [Fact]
    public void A_reload_finishing_after_the_slot_is_disposed_is_refused_and_its_model_disposed()
    {
        var current = new TrackedScorer("a");
        var late = new TrackedScorer("b");
        var slot = new ModelSlot<TrackedScorer>(Loaded(current, "a"));
        var lease = slot.Lease();

        slot.Dispose();
        Assert.Throws<ObjectDisposedException>(() => slot.Swap(Loaded(late, "b")));

        Assert.True(late.Disposed);
        Assert.False(current.Disposed, "a batch still holds the current model");
        lease.Dispose();
        Assert.True(current.Disposed);
    }

    [Fact]
    public void Dispose_racing_a_swap_releases_each_model_once_and_never_under_a_held_lease()
    {
        for (var round = 0; round < 500; round++)
        {
            var current = new TrackedScorer("a");
            var next = new TrackedScorer("b");
            var slot = new ModelSlot<TrackedScorer>(Loaded(current, "a"));
            var lease = slot.Lease();
            using var start = new Barrier(2);

            var swapper = new Thread(() =>
            {
                start.SignalAndWait();
                try
                {
                    slot.Swap(Loaded(next, "b"));
                }
                catch (ObjectDisposedException)
                {
                    // The slot was disposed first: the reload is refused.
                }
            });
            swapper.Start();
            start.SignalAndWait();
            slot.Dispose();
            swapper.Join();

            Assert.False(current.Disposed, $"round {round}: the model a batch holds was disposed");
            Assert.True(next.Disposed, $"round {round}: the new model outlived the slot");
            lease.Dispose();
            Assert.True(current.Disposed, $"round {round}: the old model was never disposed");
        }
    }

    [Fact]
    public void Batches_leasing_from_four_threads_while_models_are_swapped_never_score_with_a_disposed_model()
    {
        var first = new TrackedScorer("v0");
        var all = new System.Collections.Concurrent.ConcurrentBag<TrackedScorer> { first };
        using var slot = new ModelSlot<TrackedScorer>(Loaded(first, "v0"));
        using var stop = new CancellationTokenSource();
        var scored = 0;

        var lanes = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            do
            {
                using var lease = slot.Lease();
                lease.Model.Score(["a", "b"]);
                lease.Model.Score(["retry"]);
                Interlocked.Increment(ref scored);
            }
            while (!stop.IsCancellationRequested);
        })).ToList();
        lanes.ForEach(t => t.Start());
        for (var i = 1; i <= 300; i++)
        {
            var next = new TrackedScorer($"v{i}");
            all.Add(next);
            slot.Swap(Loaded(next, next.ModelVersion));
        }

        stop.Cancel();
        lanes.ForEach(t => t.Join());

        Assert.True(scored > 0);
        Assert.All(all.Where(s => s.ModelVersion != "v300"), s => Assert.True(s.Disposed, $"{s.ModelVersion} was never disposed"));
        Assert.False(all.Single(s => s.ModelVersion == "v300").Disposed);
        Assert.Equal(0, all.Sum(s => s.UsedAfterDispose));
    }

    [Fact]
    public void A_thread_safe_scorer_is_loaded_once_for_all_lanes_and_another_once_per_lane()
    {
        var made = 0;
        using var shared = SentimentScorerPool.Create(4, () =>
        {
            made++;
            return new TrackedScorer("shared", threadSafe: true);
        });
        Assert.Equal((1, 1), (made, shared.Size));

        made = 0;
        using var perLane = SentimentScorerPool.Create(4, () =>
        {
            made++;
            return new TrackedScorer("per-lane", threadSafe: false);
        });
        Assert.Equal((4, 4), (made, perLane.Size));
    }

    /// <summary>Counts calls made after it was disposed: what a disposed ONNX session would crash on.</summary>
    private sealed class TrackedScorer(string version, bool threadSafe = true) : ISentimentScorer
    {
        private int _disposed;
        private int _usedAfterDispose;

        public string ModelVersion { get; } = version;

        public bool IsThreadSafe => threadSafe;

        public bool Disposed => Volatile.Read(ref _disposed) != 0;

        public int UsedAfterDispose => Volatile.Read(ref _usedAfterDispose);

        public IReadOnlyList<SentimentScore> Score(IReadOnlyList<string> texts)
        {
            if (Disposed)
            {
                Interlocked.Increment(ref _usedAfterDispose);
            }

            return texts.Select(_ => new SentimentScore(SentimentLabel.Neutral, 0.2, 0.6, 0.2, ModelVersion)).ToList();
        }

        public void Dispose() => Interlocked.Exchange(ref _disposed, 1);
    }
}
