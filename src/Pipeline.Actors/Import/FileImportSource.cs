using Akka;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Import;

/// <summary>Import files as graph sources.</summary>
public static class FileImportSource
{
    /// <summary>
    /// The posts of one file, read as the graph demands them (the file is the backpressure buffer).
    /// Bad rows are emitted as <see cref="SourceItem.Unreadable"/>; a <see cref="PostFileException"/>
    /// (missing file, unusable header) fails the stream, since nothing in the file can be trusted then.
    /// The file is opened anew on each materialisation.
    /// </summary>
    /// <exception cref="ArgumentException">At once, when the extension names no known format.</exception>
    public static Source<SourceItem, NotUsed> FromFile(string path, DateTimeOffset fetchedAt) =>
        FromFile(path, fetchedAt, PostSource.Import);

    /// <summary>As <see cref="FromFile(string, DateTimeOffset)"/>, held to <paramref name="limits"/> (<c>pipeline.limits</c>) instead of the defaults.</summary>
    public static Source<SourceItem, NotUsed> FromFile(string path, DateTimeOffset fetchedAt, InputLimits limits) =>
        FromFile(path, fetchedAt, PostSource.Import, limits);

    /// <param name="limits">Bounds on lines, records, fields and nesting; <see cref="InputLimits.Default"/> when null.</param>
    public static Source<SourceItem, NotUsed> FromFile(string path, DateTimeOffset fetchedAt, PostSource source, InputLimits? limits = null)
    {
        // Checked while the graph is built, so a typo in a configured path's extension fails at start-up.
        PostFileReader.DetectFormat(path);
        var bounds = limits ?? InputLimits.Default;
        return Source.From(() => PostFileReader.ReadAsync(path, fetchedAt, source, bounds))
            .Named($"import-{System.IO.Path.GetFileName(path)}");
    }
}
