using Pipeline.Models.Domain;

namespace Pipeline.Actors.Graph;

/// <summary>What every source (file import, scrapers, simulator) emits into the graph.</summary>
public abstract record SourceItem
{
    /// <param name="Location">Where the post came from, for error messages: <c>tweets.csv:12</c>, a page URL.</param>
    public sealed record Post(RawPost Raw, string Location) : SourceItem;

    /// <summary>Input the source could not turn into a post; it goes to quarantine, the stream goes on.</summary>
    public sealed record Unreadable(QuarantineEntry Entry) : SourceItem;
}
