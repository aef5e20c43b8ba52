using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Pipeline.Host.Tests;

/// <summary>
/// Every log line a logger factory writes from Information up (Akka's included, through the factory), each with its
/// exception when there is one: add it with <c>AddProvider</c> to the service's factory before it starts.
/// </summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue(exception is null
                ? $"{logLevel}: {formatter(state, exception)}"
                : $"{logLevel}: {formatter(state, exception)}{Environment.NewLine}{exception}");
    }
}
