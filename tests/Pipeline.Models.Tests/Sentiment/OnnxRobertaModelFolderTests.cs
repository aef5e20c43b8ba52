using System.Text;
using Pipeline.Models.Sentiment;
using Pipeline.Tests.Shared;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class OnnxRobertaModelFolderTests
{
    [Fact]
    public void A_folder_without_model_onnx_and_vocab_json_names_both()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path, "merges.txt");

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path));

        Assert.Equal(["missing model.onnx", "missing vocab.json"], error.Problems);
        Assert.Contains(temp.Path, error.Message);
        Assert.Contains("missing model.onnx", error.Message);
        Assert.Contains("missing vocab.json", error.Message);
        Assert.Contains("optimum-cli export onnx", error.Message);
    }

    [Fact]
    public void A_folder_that_does_not_exist_is_reported_with_the_files_it_should_hold()
    {
        using var temp = new TempDirectory();

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Combine("nowhere")));

        Assert.Contains("does not exist", error.Message);
        Assert.Contains("model.onnx", error.Message);
    }

    [Fact]
    public void A_model_whose_output_is_not_called_logits_is_rejected()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path, "vocab.json", "merges.txt");
        // Renaming every "logits" to another six-letter name keeps the protobuf valid.
        var bytes = File.ReadAllBytes(RobertaFixture.Model);
        var renamed = Replace(bytes, "logits"u8.ToArray(), "scores"u8.ToArray());
        File.WriteAllBytes(Path.Combine(temp.Path, "model.onnx"), renamed);

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path));

        var problem = Assert.Single(error.Problems);
        Assert.Contains("no output 'logits'", problem);
        Assert.Contains("scores", problem);
    }

    [Fact]
    public void A_model_with_other_input_names_is_rejected()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path, "vocab.json", "merges.txt");
        var renamed = Replace(File.ReadAllBytes(RobertaFixture.Model), "input_ids"u8.ToArray(), "token_ids"u8.ToArray());
        File.WriteAllBytes(Path.Combine(temp.Path, "model.onnx"), renamed);

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path));

        Assert.Contains(error.Problems, p => p.Contains("no input 'input_ids'"));
        Assert.Contains(error.Problems, p => p.Contains("'token_ids'"));
    }

    [Fact]
    public void A_file_that_is_not_an_onnx_model_is_reported()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path, "vocab.json", "merges.txt");
        File.WriteAllText(Path.Combine(temp.Path, "model.onnx"), "version https://git-lfs.github.com/spec/v1\n");

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path));

        Assert.Contains("model.onnx cannot be loaded", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_config_with_labels_that_are_not_sentiment_is_rejected()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path);
        File.WriteAllText(Path.Combine(temp.Path, "config.json"), """{"id2label": {"0": "anger", "1": "joy", "2": "optimism", "3": "sadness"}}""");

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path));

        Assert.Contains(error.Problems, p => p.Contains("'anger'"));
        Assert.Contains(error.Problems, p => p.Contains("class '3'"));
    }

    [Fact]
    public void A_token_limit_above_the_models_positions_is_rejected()
    {
        using var temp = new TempDirectory();
        RobertaFixture.CopyModelFolder(temp.Path);
        File.WriteAllText(Path.Combine(temp.Path, "config.json"), """{"max_position_embeddings": 514}""");

        var error = Assert.Throws<OnnxModelFolderException>(() => OnnxRobertaScorer.Open(temp.Path, new OnnxScorerOptions { MaxTokens = 1024 }));

        Assert.Contains("MaxTokens 1024", Assert.Single(error.Problems));
    }

    [Fact]
    public void Invalid_options_are_named()
    {
        var error = Assert.Throws<ArgumentException>(() => OnnxRobertaScorer.Open(RobertaFixture.Folder, new OnnxScorerOptions { BatchSize = 0, IntraOpThreads = -1 }));

        Assert.Contains("BatchSize", error.Message);
        Assert.Contains("IntraOpThreads", error.Message);
    }

    [Theory]
    [InlineData("all", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_ALL)]
    [InlineData("Extended", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)]
    [InlineData("disabled", Microsoft.ML.OnnxRuntime.GraphOptimizationLevel.ORT_DISABLE_ALL)]
    public void Graph_optimisation_levels_parse_from_settings_words(string word, Microsoft.ML.OnnxRuntime.GraphOptimizationLevel expected)
    {
        Assert.Equal(expected, OnnxScorerOptions.ParseGraphOptimization(word));
    }

    private static byte[] Replace(byte[] source, byte[] from, byte[] to)
    {
        var text = Encoding.Latin1.GetString(source).Replace(Encoding.Latin1.GetString(from), Encoding.Latin1.GetString(to), StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text);
    }
}
