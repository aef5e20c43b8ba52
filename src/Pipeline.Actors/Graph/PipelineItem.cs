using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>
/// What flows between cleaning and the sink. Scoring stages (topic, sentiment) are
/// <c>Flow&lt;PipelineItem, PipelineItem, NotUsed&gt;</c> that enrich <see cref="Scored"/> items
/// and pass every other item through untouched.
/// </summary>
public abstract record PipelineItem
{
    /// <summary>Where the item came from (<c>file.csv:12</c>, a page URL): progress and checkpoints use it.</summary>
    public abstract string Location { get; }

    /// <summary>Carried from the <see cref="SourceItem"/>: who to tell when this item is committed.</summary>
    public abstract PageAck? Ack { get; }

    /// <summary>A kept post and the scores given to it so far.</summary>
    public sealed record Scored(ScoredPost Post, string Location, PageAck? Ack = null) : PipelineItem
    {
        public override string Location { get; } = Location;

        public override PageAck? Ack { get; } = Ack;
    }

    /// <summary>A post cleaning did not keep; stored with its reason so nothing disappears.</summary>
    /// <param name="Language">The language cleaning decided (<see cref="CleaningOutcome.Dropped.Language"/>), stored with the post.</param>
    public sealed record Dropped(RawPost Post, CompanyId? Company, DropReason Reason, string Location, PageAck? Ack = null, string? Language = null) : PipelineItem
    {
        public override string Location { get; } = Location;

        public override PageAck? Ack { get; } = Ack;
    }

    /// <summary>Something that could not be processed; stored in the quarantine table with its error.</summary>
    /// <param name="Unscored">
    /// A kept post a scoring stage failed on (the stage is <see cref="QuarantineEntry.Source"/>): besides the quarantine
    /// entry, its raw row is stored with <c>raw_posts.failed_stage</c> set, so it can be scored again later and is not lost.
    /// It gets no <c>scored_posts</c> row, so drop counts and the daily rollup do not count it.
    /// </param>
    public sealed record Quarantined(QuarantineEntry Entry, PageAck? Ack = null, CleanedPost? Unscored = null) : PipelineItem
    {
        public override string Location => Entry.Location;

        public override PageAck? Ack { get; } = Ack;
    }
}

/// <summary>
/// The sink's completion signal: these items are committed in PostgreSQL. Checkpoints advance
/// on it and on nothing else.
/// </summary>
/// <param name="NewPosts">Posts stored for the first time (the rest were already there: a replay).</param>
/// <param name="Attempts">How many tries the commit took (1 unless the database was away).</param>
public sealed record BatchCommitted(IReadOnlyList<PipelineItem> Items, int NewPosts, int Attempts, TimeSpan Elapsed);
