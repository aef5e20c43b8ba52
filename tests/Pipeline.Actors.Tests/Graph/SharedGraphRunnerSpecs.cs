using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.TestKit.Xunit;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Tests.Support;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Tests.Graph;

/// <summary>
/// The drain of the scrapers' shared graph at shutdown (<see cref="SharedGraphRunner.Drain"/>), on a real graph into a
/// real database: what is in flight is waited for, the drain is answered, and no new graph is started after it.
/// </summary>
public sealed class SharedGraphRunnerSpecs(PostgresFixture postgres) : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly SupervisionSettings Supervision = new(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), 0);

    private static SourceItem Post(long id) => new SourceItem.Post(
        new RawPost(new PostId(id), new CompanyId("gtbank"), PostSource.Nitter, "7", "ada", "@gtbank transfer failed again",
            DateTimeOffset.UtcNow.AddHours(-1), 0, 0, 0, 0, null, "en", false, false, DateTimeOffset.UtcNow),
        $"https://nitter.test/gtbank#{id}");

    /// <summary>The supervised graph, watched, with one post delivered and held in flight by a stage.</summary>
    private async Task<(IActorRef Graph, SharedGraphEntrance Entrance, HeldStage Held)> StartWithAPostInFlightAsync(TestDatabase database)
    {
        var held = new HeldStage();
        var entrance = new SharedGraphEntrance();
        var graph = Sys.ActorOf(SharedGraphRunner.Props(database.Graph(new PipelineCounters(), scoring: [held.Stage]), entrance, Supervision));
        Watch(graph);
        await AwaitConditionAsync(() => Task.FromResult(entrance.State.Phase == SharedGraphPhase.Running), Patience);
        entrance.Deliver([Post(1)], Sys.Materializer());
        await held.Entered.WaitAsync(Patience);
        return (graph, entrance, held);
    }

    [Fact]
    public async Task Drain_waits_for_the_item_in_flight_then_answers_and_stops_the_graph_for_good()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var (graph, entrance, held) = await StartWithAPostInFlightAsync(database);

        var drained = graph.Ask<SharedGraphRunner.Drained>(SharedGraphRunner.Drain.Instance, Patience);
        held.Release(error: null);

        await drained;
        await ExpectTerminatedAsync(graph, Patience);
        Assert.Equal([1L], await StoredPosts.IdsAsync(database.DataSource));
        Assert.Equal((SharedGraphPhase.Stopped, 1L, 0), (entrance.State.Phase, entrance.State.Generation, entrance.State.Restarts));
    }

    [Fact]
    public async Task Graph_that_fails_while_it_drains_answers_the_drain_and_is_not_started_again()
    {
        await using var database = await TestDatabase.CreateAsync(postgres);
        var (graph, entrance, held) = await StartWithAPostInFlightAsync(database);

        // As when the database goes away while the service stops: the batch in flight fails the graph.
        var drained = graph.Ask<SharedGraphRunner.Drained>(SharedGraphRunner.Drain.Instance, Patience);
        // The failure must come after the drain began, not race it.
        await AwaitConditionAsync(() => Task.FromResult(entrance.State.Phase == SharedGraphPhase.Draining), Patience);
        held.Release(new InvalidOperationException("the database went away during the drain"));

        await drained;
        await ExpectTerminatedAsync(graph, Patience);
        Assert.Equal((SharedGraphPhase.Stopped, 1L), (entrance.State.Phase, entrance.State.Generation));
    }

    /// <summary>A stage that holds the first item it gets until the test releases it, passing it on or failing with it.</summary>
    private sealed class HeldStage
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Entered => _entered.Task;

        public Flow<PipelineItem, PipelineItem, NotUsed> Stage => Flow.Create<PipelineItem>().SelectAsync(1, async item =>
        {
            _entered.TrySetResult();
            await _released.Task;
            return item;
        });

        public void Release(Exception? error)
        {
            if (error is null)
            {
                _released.TrySetResult();
            }
            else
            {
                _released.TrySetException(error);
            }
        }
    }
}
