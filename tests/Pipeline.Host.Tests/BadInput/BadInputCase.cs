using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Host.Tests.BadInput;

/// <summary>What a case's file holds, written piece by piece, so that a 50 MB line goes to disk without being built in memory.</summary>
internal delegate void FileContent(Stream file);

/// <summary>One bad-input case: a file, and what <c>pipeline import</c> must make of it.</summary>
/// <param name="Name">Names the case in the test results.</param>
/// <param name="File">The file's name (its extension picks the format); locations start with it.</param>
/// <param name="Stored">Post ids that must be in <c>pipeline.raw_posts</c> afterwards, and no others.</param>
/// <param name="Quarantined">
/// <c>"LOCATION FRAGMENT"</c>: every entry in <c>pipeline.quarantine</c> must match one of these (its location
/// equal, a <c>*</c> standing for any line number, and its error containing the fragment), and every one of
/// these must match at least one entry.
/// </param>
/// <param name="Reason">For an import that must fail: a fragment of the one-line reason it prints.</param>
/// <param name="Settings">HOCON added to the shipped <c>pipeline.conf</c> for this case (passed with <c>--config</c>).</param>
internal sealed record BadInputCase(
    string Name, string File, FileContent Content, int ExitCode, long[] Stored, string[] Quarantined, string? Reason = null, string? Settings = null)
{
    public override string ToString() => Name;

    /// <summary>Whether <paramref name="expectation"/> (<c>"LOCATION FRAGMENT"</c>) describes the entry.</summary>
    public static bool Matches(string expectation, string location, string error)
    {
        var space = expectation.IndexOf(' ', StringComparison.Ordinal);
        var (where, what) = space < 0 ? (expectation, "") : (expectation[..space], expectation[(space + 1)..]);
        var pattern = "^" + Regex.Escape(where).Replace(@"\*", @"\d+", StringComparison.Ordinal) + "$";
        return Regex.IsMatch(location, pattern) && error.Contains(what, StringComparison.Ordinal);
    }
}

/// <summary>The building blocks of case files.</summary>
internal static class Content
{
    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public static readonly FileContent Empty = _ => { };

    /// <summary>Each line followed by \n.</summary>
    public static FileContent Lines(params string[] lines) => file =>
    {
        foreach (var line in lines)
        {
            file.Write(Utf8.GetBytes(line + "\n"));
        }
    };

    public static FileContent Text(string text) => file => file.Write(Utf8.GetBytes(text));

    public static FileContent Bytes(params byte[] bytes) => file => file.Write(bytes);

    /// <summary><paramref name="piece"/> <paramref name="times"/> times, without a line break.</summary>
    public static FileContent Repeat(char piece, long times) => file =>
    {
        var chunk = Utf8.GetBytes(new string(piece, 64 * 1024));
        for (var left = times; left > 0; left -= 64 * 1024)
        {
            file.Write(chunk, 0, (int)Math.Min(left, 64 * 1024) * (chunk.Length / (64 * 1024)));
        }
    };

    /// <summary>Random bytes (NUL, line breaks and invalid UTF-8 among them), the same on every run.</summary>
    public static FileContent RandomBytes(int count) => file =>
    {
        var bytes = new byte[count];
        new Random(20240229).NextBytes(bytes);
        file.Write(bytes);
    };

    public static FileContent Then(this FileContent first, params FileContent[] rest) => file =>
    {
        first(file);
        foreach (var next in rest)
        {
            next(file);
        }
    };
}
