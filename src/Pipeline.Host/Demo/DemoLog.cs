using System.Globalization;
using System.Text.RegularExpressions;
using Pipeline.Actors.Sources.Scraping;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace Pipeline.Host.Demo;

/// <summary>
/// The demo's logs: every line (the service's, Akka's, the embedded PostgreSQL's start) to a file of its own under
/// <c>{pipeline.demo.folder}/logs</c>; on the terminal only warnings and errors, and not the scrapers' rate-limit pauses, which
/// the simulator causes on purpose and the status counts.
/// </summary>
public static partial class DemoLog
{
    public const string Template = "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:l}{NewLine}{Exception}";

    /// <summary>e.g. <c>./.pipeline/demo/logs/demo-20261203-104207.log</c>, by the local time the demo started.</summary>
    public static string PathFor(string demoFolder, DateTime localStart) =>
        Path.GetFullPath(Path.Combine(demoFolder, "logs", $"demo-{localStart.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.log"));

    public static Logger Create(string file, DemoTerminal terminal) =>
        new LoggerConfiguration()
            .MinimumLevel.Information()
            // Probes and the sink's commands would fill the file with one line each.
            .MinimumLevel.Override("Npgsql", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .WriteTo.File(file, outputTemplate: Template, formatProvider: CultureInfo.InvariantCulture)
            .WriteTo.Logger(terminalOnly => terminalOnly
                .Filter.ByExcluding(IsRateLimitPause)
                .WriteTo.Sink(new TerminalSink(terminal), LogEventLevel.Warning))
            .CreateLogger();

    /// <summary>A scraper's "rate limited …; instance paused" warning (Akka's log line, through Microsoft.Extensions.Logging).</summary>
    public static bool IsRateLimitPause(LogEvent log) => Message(log).Contains($": {ScraperActor.RateLimited} (", StringComparison.Ordinal);

    /// <summary>The message as written, strings without the quotes Serilog puts around them by default.</summary>
    private static string Message(LogEvent log)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        LiteralMessage.Format(log, text);
        return text.ToString();
    }

    private static readonly MessageTemplateTextFormatter LiteralMessage = new("{Message:l}", CultureInfo.InvariantCulture);

    /// <summary>Akka's own prefix (<c>[WARNING][date][Thread 0016][actor path]</c>) says nothing a reader of the terminal needs.</summary>
    [GeneratedRegex(@"^(\[[^\]]*\])+\s*")]
    private static partial Regex AkkaPrefix();

    private sealed class TerminalSink(DemoTerminal terminal) : ILogEventSink
    {
        public void Emit(LogEvent logEvent)
        {
            var message = AkkaPrefix().Replace(Message(logEvent), string.Empty);
            var level = logEvent.Level >= LogEventLevel.Error ? "error" : "warning";
            terminal.WriteLine($"  {level}: {message}{(logEvent.Exception is { } e ? $" ({e.GetBaseException().Message})" : string.Empty)}");
        }
    }
}
