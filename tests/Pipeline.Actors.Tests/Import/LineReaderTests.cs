using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Pipeline.Models.Text;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

public sealed class LineReaderTests
{
    private static async Task<List<(int Number, string Text, bool Overlong, long Length, string Excerpt)>> ReadAllAsync(TextReader source, int maxLineLength)
    {
        using var reader = new LineReader(source, maxLineLength);
        var lines = new List<(int, string, bool, long, string)>();
        while (await reader.NextAsync(TestContext.Current.CancellationToken))
        {
            lines.Add((reader.Number, reader.Text.ToString(), reader.IsOverlong, reader.Length, reader.Excerpt));
        }

        return lines;
    }

    [Fact]
    public async Task LineReader_returns_each_line_with_its_break_and_counts_lf_crlf_and_lone_cr_as_breaks()
    {
        var lines = await ReadAllAsync(new StringReader("a\nbb\r\n\rccc"), 100);

        Assert.Equal(
            [(1, "a\n", false, 1L, ""), (2, "bb\r\n", false, 2L, ""), (3, "\r", false, 0L, ""), (4, "ccc", false, 3L, "")],
            lines);
    }

    [Fact]
    public async Task LineReader_keeps_a_line_of_exactly_the_bound_and_passes_over_one_character_more()
    {
        var atBound = new string('a', 50);
        var overBound = new string('b', 51);

        var lines = await ReadAllAsync(new StringReader($"{atBound}\r\n{overBound}\r\nc\n"), 50);

        Assert.Equal([(1, atBound + "\r\n", false, 50L), (2, "", true, 51L), (3, "c\n", false, 1L)],
            lines.Select(l => (l.Number, l.Text, l.Overlong, l.Length)));
    }

    [Fact]
    public async Task LineReader_passes_over_a_50_million_character_line_reading_it_in_pieces_no_larger_than_the_bound()
    {
        const int bound = 4096;
        var source = new GeneratedText(("first\n", 1), ("x", 50_000_000), ("\r\nlast", 1));

        var lines = await ReadAllAsync(source, bound);

        Assert.Equal([(1, "first\n", false), (2, "", true), (3, "last", false)], lines.Select(l => (l.Number, l.Text, l.Overlong)));
        Assert.Equal(50_000_000L, lines[1].Length);
        Assert.Equal(new string('x', QuarantineEntry.PayloadExcerpt) + "…", lines[1].Excerpt);
        // Every read goes into the reader's own buffer: its size is what the reader holds at most.
        Assert.InRange(source.LargestRead, 1, bound + 2);
    }

    [Fact]
    public async Task LineReader_reports_an_overlong_last_line_without_a_break()
    {
        var lines = await ReadAllAsync(new StringReader("ok\n" + new string('z', 300)), 100);

        Assert.Equal([(1, "ok\n", false, 2L), (2, "", true, 300L)], lines.Select(l => (l.Number, l.Text, l.Overlong, l.Length)));
    }

    [Fact]
    public async Task LineReader_tells_crlf_from_a_lone_cr_when_the_two_arrive_in_separate_reads()
    {
        var source = new GeneratedText(("a\r", 1), ("\nb\r", 1), ("c", 1));

        var lines = await ReadAllAsync(source, 100);

        Assert.Equal(["a\r\n", "b\r", "c"], lines.Select(l => l.Text));
    }

    [Theory]
    [InlineData(QuarantineEntry.PayloadExcerpt - 1)]
    [InlineData(QuarantineEntry.PayloadExcerpt)]
    public async Task LineReader_excerpt_of_an_overlong_line_never_cuts_an_emoji_in_half(int emojiAt)
    {
        var line = new string('x', emojiAt) + "\U0001F600" + new string('y', 10_000);

        var overlong = (await ReadAllAsync(new StringReader(line + "\n"), 5_000)).Single();

        Assert.True(overlong.Overlong);
        Assert.False(SafeText.HasLoneSurrogate(overlong.Excerpt), overlong.Excerpt[^3..]);
        Assert.EndsWith("…", overlong.Excerpt);
    }

    /// <summary>Text made of repeated pieces, produced as it is read (never held whole), one piece kind per read at most.</summary>
    private sealed class GeneratedText(params (string Piece, int Times)[] parts) : TextReader
    {
        private int _part;
        private long _offset;

        public int LargestRead { get; private set; }

        public override ValueTask<int> ReadAsync(Memory<char> buffer, CancellationToken cancellationToken = default)
        {
            LargestRead = Math.Max(LargestRead, buffer.Length);
            return ValueTask.FromResult(Read(buffer.Span));
        }

        public override int Read(Span<char> buffer)
        {
            while (_part < parts.Length && _offset == (long)parts[_part].Piece.Length * parts[_part].Times)
            {
                (_part, _offset) = (_part + 1, 0);
            }

            if (_part == parts.Length)
            {
                return 0;
            }

            var (piece, times) = parts[_part];
            var left = (long)piece.Length * times - _offset;
            var count = (int)Math.Min(buffer.Length, left);
            for (var i = 0; i < count; i++)
            {
                buffer[i] = piece[(int)((_offset + i) % piece.Length)];
            }

            _offset += count;
            return count;
        }
    }
}
