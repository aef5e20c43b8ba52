using System.CommandLine;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Commands;

/// <summary>The labelled files of train-sentiment and eval-sentiment: <c>--data</c>, <c>--text</c> and <c>--labels</c>.</summary>
internal sealed class LabelledFileOptions
{
    private readonly Option<string[]> _data = new("--data") { Description = "A labelled file as NAME=TEXT:LABELS (or NAME=TSV); repeat for several, e.g. --data en=… --data pcm=…" };
    private readonly Option<FileInfo?> _text = new("--text") { Description = "Tweets, one a line (or label<TAB>text lines when --labels is not given)" };
    private readonly Option<FileInfo?> _labels = new("--labels") { Description = "Labels, one a line: 0 negative, 1 neutral, 2 positive" };

    /// <summary>In the order the verbs' help lists them.</summary>
    public IReadOnlyList<Option> All => [_data, _text, _labels];

    /// <param name="textName">The name of the <c>--text</c> file among the corpora; null: its file name.</param>
    public IReadOnlyList<SentimentCorpus> Read(ParseResult result, string? textName = null) =>
        SentimentCommands.ReadCorpora(result.GetValue(_data), result.GetValue(_text), result.GetValue(_labels), textName ?? result.GetValue(_text)?.Name ?? "");
}
