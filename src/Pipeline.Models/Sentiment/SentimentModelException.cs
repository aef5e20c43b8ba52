namespace Pipeline.Models.Sentiment;

/// <summary>
/// A sentiment model folder cannot be used (missing files, wrong format). One type for both scorers,
/// so the host turns any of them into a start-up error or a bad-input exit the same way.
/// </summary>
public class SentimentModelException(string folder, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Folder { get; } = folder;
}
