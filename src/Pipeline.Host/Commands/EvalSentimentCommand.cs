using System.CommandLine;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline eval-sentiment</c>: see <see cref="SentimentCommands.Evaluate(IReadOnlyList{Pipeline.Models.Sentiment.SentimentCorpus}, Pipeline.Host.Settings.SentimentSettings, int, IAnsiConsole)"/>.</summary>
public sealed class EvalSentimentCommand : PipelineCommand
{
    private readonly LabelledFileOptions _files = new();
    private readonly Option<string?> _model = new("--model") { Description = "Model folder (default: pipeline.sentiment.model-dir, or the shipped built-in model for --scorer builtin)" };
    private readonly Option<string?> _scorer = new("--scorer") { Description = "builtin or onnx (default: pipeline.sentiment.scorer, with its model-dir and onnx session settings)" };
    private readonly Option<int> _batch = new("--batch") { Description = "Tweets per Score call", DefaultValueFactory = _ => 1024 };

    public EvalSentimentCommand()
        : base("eval-sentiment", "Evaluate a sentiment scorer on labelled files: a row each (macro recall, macro/weighted F1, accuracy, tweets/s), then per-class P/R/F1 and confusion.")
    {
        Declare([.. _files.All, _model, _scorer, _batch]);
        SetAction((result, context, _) =>
        {
            // The files first: a bad file is reported before a settings problem.
            var corpora = _files.Read(result);
            var settings = SentimentCommands.EvaluationSettings(context.Settings.Sentiment, result.GetValue(_scorer), result.GetValue(_model));
            return Task.FromResult(SentimentCommands.Evaluate(corpora, settings, result.GetValue(_batch), AnsiConsole.Console));
        });
    }
}
