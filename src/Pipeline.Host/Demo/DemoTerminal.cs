using System.Text;
using Spectre.Console;

namespace Pipeline.Host.Demo;

/// <summary>
/// The demo's terminal: a status table redrawn in place when it is one, a plain status line every few seconds when the output
/// goes to a file, a pipe or CI. Other lines (warnings, alerts, the topic tables) go through <see cref="WriteLine"/>, which
/// prints them above the table. The redraw is done here (erase the table's lines, write, draw again) rather than with
/// Spectre.Console's live display, which moves its cursor over lines written above it without erasing them, leaving bits of
/// the old table at their ends; Spectre.Console still renders the table.
/// </summary>
public sealed class DemoTerminal
{
    /// <summary>How often the table is redrawn.</summary>
    public static readonly TimeSpan LiveRefresh = TimeSpan.FromSeconds(1);

    private const string Escape = "\u001b[";

    private readonly IAnsiConsole? _console;
    private readonly TextWriter _output;
    private readonly Lock _lock = new();
    private Spectre.Console.Rendering.IRenderable? _status;
    private int _statusLines;

    private DemoTerminal(IAnsiConsole? console, TextWriter output)
    {
        _console = console;
        _output = output;
        Writer = new LineWriter(WriteLine);
    }

    /// <summary>Redraws the status in place: <paramref name="console"/> says the width and colours, <paramref name="output"/> gets the text.</summary>
    public static DemoTerminal Live(IAnsiConsole console, TextWriter output) => new(console, output);

    /// <summary>Writes the status as a line every interval to <paramref name="output"/>.</summary>
    public static DemoTerminal Plain(TextWriter output) => new(null, output);

    /// <summary>The table redrawn in place on a terminal that understands ANSI; plain lines otherwise.</summary>
    public static DemoTerminal For(IAnsiConsole console, bool outputRedirected) =>
        !outputRedirected && console.Profile.Capabilities.Ansi && console.Profile.Capabilities.Interactive ? Live(console, Console.Out) : Plain(Console.Out);

    public bool Redraws => _console is not null;

    /// <summary>Lines written here reach <see cref="WriteLine"/> (for writers that take a <see cref="TextWriter"/>).</summary>
    public TextWriter Writer { get; }

    public void WriteLine(string line)
    {
        lock (_lock)
        {
            EraseStatus();
            _output.Write(line + "\n");
            DrawStatus();
            _output.Flush();
        }
    }

    /// <summary>Shows the status until <paramref name="ct"/> is cancelled: redrawn every second, or a line every <paramref name="interval"/>.</summary>
    /// <param name="read">The current status; null (it could not be read) leaves the last one shown.</param>
    public async Task ShowAsync(Func<CancellationToken, Task<DemoSnapshot?>> read, Func<DemoSnapshot, string> line,
        Func<DemoSnapshot, int, Spectre.Console.Rendering.IRenderable> table, TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (await read(ct) is { } status)
            {
                if (_console is null)
                {
                    WriteLine(line(status));
                }
                else
                {
                    lock (_lock)
                    {
                        EraseStatus();
                        _status = table(status, Width);
                        DrawStatus();
                        _output.Flush();
                    }
                }
            }

            try
            {
                await Task.Delay(_console is null ? interval : LiveRefresh, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_console is not null)
        {
            lock (_lock)
            {
                // The last table stays on the screen; what the shutdown writes goes below it.
                _status = null;
                _statusLines = 0;
                _output.Write(Escape + "?25h");
                _output.Flush();
            }
        }
    }

    private int Width => NativeOutput.TerminalSize?.Columns ?? _console!.Profile.Width;

    private void EraseStatus()
    {
        if (_statusLines > 0)
        {
            // To the table's first line, then erase to the end of the screen.
            _output.Write($"\r{Escape}{_statusLines}A{Escape}J");
            _statusLines = 0;
        }
    }

    private void DrawStatus()
    {
        if (_console is null || _status is null)
        {
            return;
        }

        var (text, lines) = Render(_status);
        _output.Write(Escape + "?25l" + text);
        _statusLines = lines;
    }

    /// <summary>The table as the terminal shows it, at most a screen high: taller, its first lines would scroll out of reach of the redraw.</summary>
    private (string Text, int Lines) Render(Spectre.Console.Rendering.IRenderable status)
    {
        var size = NativeOutput.TerminalSize;
        var buffer = new StringWriter();
        var capabilities = _console!.Profile.Capabilities;
        var canvas = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = (ColorSystemSupport)(int)capabilities.ColorSystem,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(buffer),
        });
        canvas.Profile.Width = Width;
        canvas.Profile.Capabilities.Unicode = capabilities.Unicode;
        canvas.Profile.Capabilities.Links = capabilities.Links;
        canvas.Write(status);
        var lines = buffer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (size is { Rows: > 1 } screen && lines.Length > screen.Rows - 1)
        {
            lines = lines[^(screen.Rows - 1)..];
        }

        return (string.Join('\n', lines) + "\n", lines.Length);
    }

    /// <summary>Hands each complete line to a callback; a line written at once stays whole when several threads write.</summary>
    private sealed class LineWriter(Action<string> line) : TextWriter
    {
        private readonly StringBuilder _pending = new();
        private readonly Lock _lock = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Write(value.ToString());

        public override void Write(string? value)
        {
            lock (_lock)
            {
                _pending.Append(value);
                var text = _pending.ToString();
                var end = text.LastIndexOf('\n');
                if (end < 0)
                {
                    return;
                }

                _pending.Remove(0, end + 1);
                foreach (var complete in text[..end].Split('\n'))
                {
                    line(complete.TrimEnd('\r'));
                }
            }
        }

        public override void WriteLine(string? value) => Write(value + "\n");

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            WriteLine(value);
            return Task.CompletedTask;
        }
    }
}
