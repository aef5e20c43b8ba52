namespace Pipeline.Actors.Storage;

/// <summary>
/// How long each kind of stored row is kept (<c>pipeline.retention</c>); null: for ever. Posts count from their own
/// <c>created_at</c> (the day the dashboard files them under), so a purge removes whole days from the charts, oldest first;
/// quarantine entries count from when they were quarantined.
/// </summary>
/// <param name="KeptPosts">Kept posts: their raw row and their scored row (and with it their place in the rollups), and kept
/// posts a scoring stage failed on (<c>raw_posts.failed_stage</c>).</param>
/// <param name="DroppedPosts">Raw rows of posts cleaning dropped (and their count in <c>pipeline.drop_counts</c>).</param>
/// <param name="Quarantine">Rows of <c>pipeline.quarantine</c>.</param>
/// <param name="BatchSize">Rows removed per transaction: the locks a batch holds, and what the sink may wait for, last one batch.</param>
public sealed record RetentionPolicy(TimeSpan? KeptPosts, TimeSpan? DroppedPosts, TimeSpan? Quarantine, int BatchSize)
{
    /// <summary>Everything kept for ever: what a database upgraded without a retention setting gets.</summary>
    public static RetentionPolicy Forever { get; } = new(null, null, null, 2000);

    /// <summary>Whether anything is ever removed.</summary>
    public bool PurgesAnything => KeptPosts is not null || DroppedPosts is not null || Quarantine is not null;

    /// <summary>The cut-offs at <paramref name="now"/> (the database's clock): rows older than them go; null: keep all.</summary>
    public RetentionCutoffs CutoffsAt(DateTimeOffset now) =>
        new(Before(now, KeptPosts), Before(now, DroppedPosts), Before(now, Quarantine));

    // A period longer than the calendar reaches back keeps everything rather than failing the run.
    private static DateTimeOffset? Before(DateTimeOffset now, TimeSpan? period) =>
        period is { } p ? (now - DateTimeOffset.MinValue > p ? now - p : DateTimeOffset.MinValue) : null;
}

/// <summary>Rows created (or quarantined) strictly before these instants are past their period; null: none is.</summary>
public sealed record RetentionCutoffs(DateTimeOffset? KeptPosts, DateTimeOffset? DroppedPosts, DateTimeOffset? Quarantine);

/// <summary>What one purge removed: rows per kind and the transactions it took.</summary>
public sealed record RetentionRemoved(long KeptPosts, long DroppedPosts, long QuarantineEntries, int Batches)
{
    public static RetentionRemoved None { get; } = new(0, 0, 0, 0);

    public long Total => KeptPosts + DroppedPosts + QuarantineEntries;
}
