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
        (typeof(Microsoft.AspNetCore.Connections.AddressInUseException), InvalidSettings,
            _ => "the management port is taken by another process (address already in use): choose another with pipeline.http.port or PIPELINE_HTTP_PORT"),
    ];

    /// <summary>
    /// The entry of <see cref="Table"/> for <paramref name="e"/> or, failing that, the first of its inner exceptions that
    /// has one (Kestrel wraps a port in use in an IOException); null when none is an expected failure.
    /// </summary>
    public static (int Code, string Message)? For(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            if (Table.FirstOrDefault(row => row.Exception.IsInstanceOfType(cause)) is { Exception: not null } row)
            {
                return (row.Code, row.Message(cause));
            }
        }

        return null;
    }
}
