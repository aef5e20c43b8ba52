using System.CommandLine;
using Microsoft.Extensions.Logging;

namespace Pipeline.Host.Commands;

/// <summary>
/// A verb of the command line. Each verb is a class of its own that declares its arguments and options in its constructor
/// and sets its action with <see cref="SetAction(Func{ParseResult, CommandContext, CancellationToken, Task{int}})"/>: the
/// action gets the <see cref="CommandContext"/> of <c>--config</c>, and an expected failure (<see cref="ExitCodes.Table"/>)
/// becomes its exit code with one line on stderr.
/// </summary>
public abstract class PipelineCommand(string name, string description, LogLevel logLevel = LogLevel.Warning, bool logsToStandardError = false)
    : Command(name, description)
{
    /// <summary>The settings file; given on the root, it applies to every verb (and may follow the verb as well).</summary>
    public static Option<string?> ConfigOption { get; } = new("--config", "-c")
    {
        Description = "HOCON settings file (default: PIPELINE_CONFIG, then pipeline.conf beside the program or in ./hocon)",
        Recursive = true,
    };

    /// <summary><c>--demo</c> for the admin verbs: see <see cref="CommandContext.SettingsFor"/>.</summary>
    protected static Option<bool> DemoDatabaseOption() => new("--demo")
    {
        Description = "Use the demo's embedded database (under pipeline.demo.folder), whether the demo is running or not",
    };

    /// <summary>Adds the verb's arguments and options, in the order its help lists them.</summary>
    protected void Declare(params Symbol[] symbols)
    {
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    Add(argument);
                    break;
                case Option option:
                    Add(option);
                    break;
                default:
                    throw new ArgumentException($"{symbol.Name}: a verb declares arguments and options only", nameof(symbols));
            }
        }
    }

    /// <summary>Runs <paramref name="verb"/> with the context of <c>--config</c> (logging at <c>logLevel</c> and above), disposed after it.</summary>
    protected void SetAction(Func<ParseResult, CommandContext, CancellationToken, Task<int>> verb) =>
        SetAction(async (result, ct) =>
        {
            using var context = new CommandContext(result.GetValue(ConfigOption), logLevel, logsToStandardError);
            return await Guarded(() => verb(result, context, ct));
        });

    private static async Task<int> Guarded(Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (Exception e) when (ExitCodes.For(e) is { } failure)
        {
            return Fail(failure.Code, failure.Message);
        }
    }

    /// <summary>A verb's expected failure, as <see cref="Guarded"/> reports one: a line on stderr, the code says which kind.</summary>
    protected static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"pipeline: {message}");
        return code;
    }

    /// <summary>Reports on the caller's thread: <see cref="Progress{T}"/> would post to the thread pool and race the verb's next line.</summary>
    protected sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
