using Pipeline.Host.Commands;
using Pipeline.Models.Sentiment;

namespace Pipeline.Host.Tests.Commands;

/// <summary><c>pipeline train-sentiment</c> on several labelled files, as the shell runs it.</summary>
[Collection(StandardErrorCollection.Name)]
public sealed class TrainSentimentCommandTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("train-sentiment-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_temp.FullName, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task Two_data_files_train_one_model_with_cross_validation_per_file_and_a_pidgin_lexicon()
    {
        string[] subjects = ["the bank", "the app", "the card", "the branch", "the transfer", "the network"];
        var english = Write("en.tsv", subjects.SelectMany(s => new[]
        {
            $"0\t{s} is terrible and useless, I hate it",
            $"1\t{s} opens at nine on Monday",
            $"2\t{s} is wonderful, I love it",
        }));
        var pidginText = Write("pcm_text.txt", subjects.SelectMany(s => new[] { $"{s} no dey work abeg na wahala", $"{s} sweet die e dey work well well", $"{s} don spoil again wetin dey happen" }));
        var pidginLabels = Write("pcm_labels.txt", subjects.SelectMany(_ => new[] { "0", "2", "0" }));
        var output = Path.Combine(_temp.FullName, "model");

        var (code, error) = await StandardError.RunProgramAsync("train-sentiment", "--data", $"en={english}", "--data", $"pcm={pidginText}:{pidginLabels}",
            "--out", output, "--folds", "2", "--hash-bits", "12", "--pidgin-weight", "2");

        Assert.True(code == ExitCodes.Ok, error);
        using var scorer = BuiltInSentimentScorer.Load(output);
        Assert.Equal(["en", "pcm"], scorer.Metadata.CrossValidation!.Corpora.Select(c => c.Name));
        Assert.Equal(["macro-recall", "weighted-f1"], scorer.Metadata.CrossValidation.Corpora.Select(c => c.Metric));
        Assert.Equal(2f, scorer.Metadata.Trainer.PidginWeight);
        Assert.Equal(36, scorer.Metadata.TrainingExamples);
        Assert.True(File.Exists(Path.Combine(output, PidginLexicon.FileName)));
    }

    [Fact]
    public async Task Out_of_fold_writes_a_line_per_training_row_with_its_corpus_fold_label_scores_and_tokens()
    {
        var english = Write("en.tsv", new[] { "terrible and useless", "opens at nine", "wonderful, love it" }
            .SelectMany((t, label) => Enumerable.Range(0, 6).Select(i => $"{label}\t{t} number {i}")));
        var pidgin = Write("pcm.tsv", new[] { "0\tdis app no dey work abeg", "2\tuna app sweet die", "0\twetin dey happen sef" }
            .SelectMany(line => Enumerable.Repeat(line, 4)));
        var oof = Path.Combine(_temp.FullName, "oof.tsv");

        var (code, error) = await StandardError.RunProgramAsync("train-sentiment", "--data", $"en={english}", "--data", $"pcm={pidgin}",
            "--out", Path.Combine(_temp.FullName, "model"), "--folds", "2", "--hash-bits", "12", "--out-of-fold", oof);

        Assert.True(code == ExitCodes.Ok, error);
        var lines = File.ReadAllLines(oof);
        Assert.Equal("corpus\tfold\tlabel\tmarkers\tnegative\tneutral\tpositive\ttokens", lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split('\t')).ToArray();
        Assert.Equal(18 + 12, rows.Length);
        Assert.All(rows, r => Assert.Equal(8, r.Length));
        Assert.Equal([.. Enumerable.Repeat("en", 18), .. Enumerable.Repeat("pcm", 12)], rows.Select(r => r[0]));
        Assert.Equal(["0", "1"], rows.Select(r => r[1]).Distinct().Order());
        Assert.All(rows, r => Assert.True(double.TryParse(r[4], System.Globalization.CultureInfo.InvariantCulture, out _), r[4]));
        // "no dey" negates what follows it: the token column is what another model is trained on.
        Assert.Equal("dis app no dey work_neg abeg_neg", rows[18][7]);
        Assert.Equal("0", rows[18][2]);
    }

    [Fact]
    public async Task The_single_file_form_still_trains()
    {
        var tsv = Write("train.tsv", new[] { "terrible and useless", "opens at nine", "wonderful, love it" }
            .SelectMany((t, label) => Enumerable.Range(0, 6).Select(i => $"{label}\t{t} number {i}")));
        var output = Path.Combine(_temp.FullName, "single");

        var (code, error) = await StandardError.RunProgramAsync("train-sentiment", "--text", tsv, "--out", output, "--folds", "2", "--hash-bits", "12");

        Assert.True(code == ExitCodes.Ok, error);
        using var scorer = BuiltInSentimentScorer.Load(output);
        Assert.Equal("train", Assert.Single(scorer.Metadata.CrossValidation!.Corpora).Name);
        Assert.Null(scorer.Metadata.PidginLexiconFile);
    }
}
