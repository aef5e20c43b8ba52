namespace Pipeline.Actors.Import;

/// <summary>What the service imports from files.</summary>
/// <param name="Files">Imported once at start-up (idempotent).</param>
/// <param name="Inbox">Folder watched for new files; each is moved to <c>done/</c> or <c>failed/</c> after its import.</param>
public sealed record ImportSettings(IReadOnlyList<string> Files, string Inbox, TimeSpan PollInterval);
