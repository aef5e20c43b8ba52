using System.CommandLine;
using System.Globalization;
using Akka.Configuration;
using Pipeline.Actors.Storage;
using Pipeline.Host.Database;
using Pipeline.Host.Scoring;
using Pipeline.Host.Settings;
using Pipeline.Models.Topics;
using Spectre.Console;

namespace Pipeline.Host.Commands;

/// <summary>
/// <c>pipeline rescore --since DATE|DURATION</c>: re-computes the topic of the stored posts created since then with the
/// current model, from the tokens stored with each post, in batches (<see cref="TopicRescoreStore"/>); the rollups follow
/// through the database's triggers. The current model is the one a starting service would use: the latest retrained model
/// (<c>pipeline.topic_retrains</c>) when it descends from <c>pipeline.topics.model-dir</c> and its folder is there, else
/// that configured model; <c>--model</c> names another folder.
/// </summary>
public sealed class RescoreCommand : PipelineCommand
{
    private readonly Option<string> _since = new("--since")
    {
        Description = "Posts created since: a date (2024-05-01, 2024-05-01T09:00Z, UTC) or a duration back from now (7d, 36h)", Required = true,
    };

    private readonly Option<string?> _model = new("--model") { Description = "Topic model folder (default: the latest retrained model, else pipeline.topics.model-dir)" };
    private readonly Option<int> _batch = new("--batch") { Description = "Posts per transaction", DefaultValueFactory = _ => 2000 };

    public RescoreCommand()
        : base("rescore", "Re-compute the topic of stored posts created since a date with the current topic model (rollups follow), print counts and rate.")
    {
        Declare(_since, _model, _batch);
        SetAction((result, context, ct) => ExecuteAsync(
            context, result.GetValue(_since)!, result.GetValue(_model), result.GetValue(_batch), AnsiConsole.Console, ct));
    }

    public static async Task<int> ExecuteAsync(string? configPath, string since, string? modelFolder, int batchSize, IAnsiConsole console, CancellationToken ct = default)
    {
        using var context = new CommandContext(configPath);
        return await ExecuteAsync(context, since, modelFolder, batchSize, console, ct);
    }

    public static async Task<int> ExecuteAsync(CommandContext context, string since, string? modelFolder, int batchSize, IAnsiConsole console, CancellationToken ct)
    {
        if (batchSize < 1)
        {
            return Fail(ExitCodes.BadInput, $"--batch {batchSize}: must be at least 1");
        }

        var settings = context.Settings;
        if (ParseSince(since, DateTimeOffset.UtcNow) is not { } from)
        {
            return Fail(ExitCodes.BadInput, $"--since {since}: not a date (2024-05-01, 2024-05-01T09:00Z) or a duration back from now (7d, 36h, 90m)");
        }

        await using var database = await PipelineDatabase.OpenAsync(settings, context.Loggers, ct, joinRunningServer: true);
        var folder = modelFolder is null
            ? await CurrentModelFolderAsync(settings, database, ct)
            : ModelReloader<TopicModel>.Directory(modelFolder, settings.Topics.ModelDirectory);
        var model = ScoringModels.LoadTopics(folder, settings.Topics.Threshold).Model;
        // The reporting views take labels from the catalog: it must be there before the first row carries its version.
        await TopicCatalogStore.PublishAsync(database.DataSource, model.Catalog, ct);
        console.MarkupLineInterpolated($"Re-scoring posts created since [bold]{from:u}[/] with [bold]{model.Version}[/] ({folder})");

        RescoreProgress result = new(0, 0, TimeSpan.Zero);
        await console.Progress()
            .AutoClear(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask("Re-scoring").IsIndeterminate();
                result = await TopicRescoreStore.RescoreAsync(database.DataSource, model, from, batchSize,
                    new SynchronousProgress<RescoreProgress>(p => task.Description = $"Re-scoring: {p.Read:N0} posts, {p.PerSecond:N0}/s"), ct);
                task.Description = $"Re-scored {result.Read:N0} posts";
                task.IsIndeterminate = false;
                task.MaxValue = 1;
                task.Value = 1;
                task.StopTask();
            });

        console.MarkupLineInterpolated(
            $"{result.Updated:N0} posts re-scored with {model.Version} in {result.Elapsed.TotalSeconds:0.0} s ({result.PerSecond:N0} posts/s); posts already scored by it were left as they were.");
        return ExitCodes.Ok;
    }

    /// <summary>A date or date-time (UTC unless it says otherwise), or a duration back from <paramref name="now"/>; null when neither.</summary>
    public static DateTimeOffset? ParseSince(string text, DateTimeOffset now)
    {
        text = text.Trim();
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            && text.Length >= 8)
        {
            return date;
        }

        try
        {
            var span = ConfigurationFactory.ParseString($"s = \"{text.Replace("\"", string.Empty, StringComparison.Ordinal)}\"").GetTimeSpan("s", allowInfinite: false);
            return span > TimeSpan.Zero ? now - span : null;
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The folder a starting service would score with (see the class summary).</summary>
    public static async Task<string> CurrentModelFolderAsync(PipelineSettings settings, PipelineDatabase database, CancellationToken ct)
    {
        var configured = settings.Topics.ModelDirectory;
        var version = ScoringModels.LoadTopics(configured, settings.Topics.Threshold).Version;
        var run = TopicRetrainLineage.Restorable(version, await new TopicRetrainStore(database.DataSource).SwappedAsync(ct));
        return run?.ModelFolder is { } relative && ModelFolders.Resolve(settings.Http.ModelsRoot, relative) is { } folder && Directory.Exists(folder)
            ? folder
            : configured;
    }
}
