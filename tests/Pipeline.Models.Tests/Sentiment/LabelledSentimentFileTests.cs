using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class LabelledSentimentFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sentiment-file-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Reads_a_text_and_labels_pair_line_by_line()
    {
        var (text, labels) = Pair("good day\nbus at nine\nawful\n", "2\n1\nnegative\n");

        var data = LabelledSentimentFile.ReadPair(text, labels);

        Assert.Equal(
            [new LabelledText("good day", SentimentLabel.Positive), new LabelledText("bus at nine", SentimentLabel.Neutral), new LabelledText("awful", SentimentLabel.Negative)],
            data);
    }

    [Fact]
    public void A_bad_label_names_the_file_and_line()
    {
        var (text, labels) = Pair("a\nb\nc\n", "0\n1\n3\n");

        var error = Assert.Throws<LabelledFileException>(() => LabelledSentimentFile.ReadPair(text, labels));

        Assert.Contains("labels.txt line 3", error.Message);
        Assert.Contains("'3'", error.Message);
    }

    [Fact]
    public void Files_of_different_lengths_are_refused_with_both_counts()
    {
        var (text, labels) = Pair("a\nb\nc\n", "0\n1\n");

        var error = Assert.Throws<LabelledFileException>(() => LabelledSentimentFile.ReadPair(text, labels));

        Assert.Contains("text.txt has 3 lines", error.Message);
        Assert.Contains("labels.txt has 2", error.Message);
    }

    [Fact]
    public void A_tsv_line_without_a_tab_names_its_line()
    {
        var path = Path.Combine(_folder, "data.tsv");
        File.WriteAllText(path, "2\tlovely\n0 missing tab\n");

        var error = Assert.Throws<LabelledFileException>(() => LabelledSentimentFile.ReadTsv(path));

        Assert.Contains("data.tsv line 2", error.Message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var error = Assert.Throws<LabelledFileException>(() => LabelledSentimentFile.ReadTsv(Path.Combine(_folder, "nope.tsv")));

        Assert.Contains("nope.tsv", error.Message);
    }

    private (string Text, string Labels) Pair(string text, string labels)
    {
        var textPath = Path.Combine(_folder, "text.txt");
        var labelsPath = Path.Combine(_folder, "labels.txt");
        File.WriteAllText(textPath, text);
        File.WriteAllText(labelsPath, labels);
        return (textPath, labelsPath);
    }
}
