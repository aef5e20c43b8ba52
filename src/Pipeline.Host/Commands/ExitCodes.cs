using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;
using Pipeline.Postgres;

namespace Pipeline.Host.Commands;

/// <summary>Process exit codes; each failure also prints a one-line reason on stderr.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int InvalidSettings = 2;
    public const int DatabaseUnavailable = 3;
    public const int BadInput = 4;
    public const int Interrupted = 130;

    /// <summary>
    /// What a verb's failure means to a script: the exit code of each exception a verb lets out, first match wins, with
    /// the line printed on stderr. Anything else is a bug and surfaces as one (.NET's unhandled exception, code 134 or 1).
    /// </summary>
    public static IReadOnlyList<(Type Exception, int Code, Func<Exception, string> Message)> Table { get; } =
    [
        (typeof(SettingsException), InvalidSettings, e => e.Message),
        (typeof(PostFileException), BadInput, e => e.Message),
        (typeof(LabelledFileException), BadInput, e => e.Message),
        (typeof(SentimentModelException), BadInput, e => e.Message),
        (typeof(LocalPostgresException), DatabaseUnavailable, e => e.Message),
        (typeof(SinkUnavailableException), DatabaseUnavailable, e => e.Message),
        (typeof(Npgsql.NpgsqlException), DatabaseUnavailable, e => $"database error: {e.Message}"),
    ];

    /// <summary>The entry of <see cref="Table"/> for <paramref name="e"/>; null when the exception is not an expected failure.</summary>
    public static (int Code, string Message)? For(Exception e) =>
        Table.FirstOrDefault(row => row.Exception.IsInstanceOfType(e)) is { Exception: not null } row ? (row.Code, row.Message(e)) : null;
}
