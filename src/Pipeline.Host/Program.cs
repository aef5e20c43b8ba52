using System.CommandLine;
using Pipeline.Host.Commands;

// Only as the program itself: tests that call this entry point in their own process keep their descriptors.
if (System.Reflection.Assembly.GetEntryAssembly() == typeof(ExitCodes).Assembly)
{
    Pipeline.Host.NativeOutput.KeepOffStandardOutput();
    if (Pipeline.Host.NativeOutput.TerminalSize is { } size)
    {
        Spectre.Console.AnsiConsole.Console.Profile.Width = size.Columns;
    }
}

var root = new RootCommand("Pipeline: what customers say about companies on social media, cleaned, scored and kept in PostgreSQL.")
{
    new RunCommand(),
    new DemoCommand(),
    new ImportCommand(),
    new MigrateCommand(),
    new TrainTopicsCommand(),
    new CalibrateTopicsCommand(),
    new RescoreCommand(),
    ReloadModelCommand.Topics(),
    ReloadModelCommand.Sentiment(),
    new TrainSentimentCommand(),
    new EvalSentimentCommand(),
    new PurgeCommand(),
    new ForgetCommand(),
    new ExportCommand(),
};
root.Options.Add(PipelineCommand.ConfigOption);

// "@name" is a handle here (forget/export --author @name), never a response file to read arguments from.
var parsing = new ParserConfiguration { ResponseFileTokenReplacer = null };
// The run, demo and import verbs handle SIGTERM/SIGINT themselves to drain in-flight batches.
return await root.Parse(args, parsing).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
