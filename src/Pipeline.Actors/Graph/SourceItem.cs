using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>What every source (file import, scrapers, simulator) emits into the graph.</summary>
public abstract record SourceItem
{
    /// <summary>Who to tell once this item is committed (scrapers advance their checkpoint on it).</summary>
    public abstract PageAck? Ack { get; init; }

    /// <param name="Location">Where the post came from, for error messages: <c>tweets.csv:12</c>, a page URL.</param>
    public sealed record Post(RawPost Raw, string Location, PageAck? Ack = null) : SourceItem
    {
        public override PageAck? Ack { get; init; } = Ack;
    }

    /// <summary>Input the source could not turn into a post; it goes to quarantine, the stream goes on.</summary>
    public sealed record Unreadable(QuarantineEntry Entry, PageAck? Ack = null) : SourceItem
    {
        public override PageAck? Ack { get; init; } = Ack;
    }
}

/// <summary>Identifies the page an item belongs to, so its scraper learns when the whole page is committed.</summary>
public sealed record PageAck(Akka.Actor.IActorRef Scraper, long Page);

/// <summary>Told to a scraper after a batch commit: this many items of that page are now in PostgreSQL.</summary>
public sealed record ItemsCommitted(long Page, int Count);
