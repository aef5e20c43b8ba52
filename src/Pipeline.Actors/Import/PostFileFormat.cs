namespace Pipeline.Actors.Import;

/// <summary>The file shapes the importer reads.</summary>
public enum PostFileFormat
{
    /// <summary>Comma-separated with a header row (Nitter/snscrape/pandas exports).</summary>
    Csv,

    /// <summary>One JSON object per line; a <c>.json</c> file holding one top-level array is accepted too.</summary>
    JsonLines,

    /// <summary>An X account archive's <c>tweets.js</c>: <c>window.YTD.tweets.part0 = [ {"tweet": {…}}, … ]</c>.</summary>
    XArchive,
}
