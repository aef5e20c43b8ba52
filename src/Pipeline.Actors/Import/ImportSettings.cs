namespace Pipeline.Actors.Import;

/// <summary>What the service imports from files.</summary>
/// <param name="Files">Imported once at start-up (idempotent).</param>
/// <param name="Inbox">Folder watched for new files; each is moved to <c>done/</c> or <c>failed/</c> after its import.</param>
/// <param name="SettleTime">
/// How long an inbox file's size and modification time must stay unchanged before it is imported, so a
/// file still being written is not imported by halves. Writers should still write to <c>name.csv.part</c>
/// and rename it when complete (<c>*.part</c>, <c>*.tmp</c> and dot-files are never imported).
/// </param>
public sealed record ImportSettings(IReadOnlyList<string> Files, string Inbox, TimeSpan PollInterval, TimeSpan SettleTime);
