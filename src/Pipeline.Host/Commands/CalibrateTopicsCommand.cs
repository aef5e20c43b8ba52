using System.CommandLine;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary><c>pipeline calibrate-topics FILE</c>: see <see cref="TrainTopicsCommand.CalibrateAsync(CommandContext, FileInfo, string?, IAnsiConsole, CancellationToken)"/>.</summary>
public sealed class CalibrateTopicsCommand : PipelineCommand
{
    private readonly Argument<FileInfo> _file = new("file") { Description = "Posts to calibrate on, ideally the model's training corpus: CSV, JSON lines or tweets.js" };
    private readonly Option<string?> _model = new("--model") { Description = "Model folder to calibrate in place (default: pipeline.topics.model-dir)" };

    public CalibrateTopicsCommand()
        : base("calibrate-topics", "Calibrate a topic model's Unclassified threshold and turn on reassignment, keeping its topics, ids and labels.")
    {
        Declare(_file, _model);
        SetAction((result, context, ct) => TrainTopicsCommand.CalibrateAsync(context, result.GetValue(_file)!, result.GetValue(_model), AnsiConsole.Console, ct));
    }
}
