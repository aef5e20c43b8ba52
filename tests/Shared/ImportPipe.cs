using System.Diagnostics;
using System.Text;
using Xunit;

namespace Pipeline.Tests.Shared;

/// <summary>
/// An import file that is a named pipe the test writes: the reader gets the lines the test has
/// released and then waits, and it reaches the end of the file only once the test ends it. So a test
/// can act on an import that is provably in the middle of its file, however fast the machine reads,
/// instead of hoping that a big file is not finished yet.
/// </summary>
public sealed class ImportPipe : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly string _path;
    private readonly IEnumerator<string> _lines;
    private readonly Task<bool> _writer;
    private long _released;
    private bool _ended;
    private bool _closing;

    private ImportPipe(string path, IEnumerable<string> lines, long released)
    {
        _path = path;
        _lines = lines.GetEnumerator();
        _released = released;
        // A thread of its own: opening a pipe and writing to a full one block until the reader acts.
        _writer = Task.Factory.StartNew(() => Write(path), CancellationToken.None,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>
    /// Makes <paramref name="path"/> a named pipe whose writer feeds it <paramref name="lines"/>, at
    /// first only <paramref name="released"/> of them. The writer starts when a reader opens the pipe.
    /// </summary>
    public static async Task<ImportPipe> CreateAsync(string path, IEnumerable<string> lines, long released = long.MaxValue)
    {
        await MakeFifoAsync(path);
        return new ImportPipe(path, lines, released);
    }

    /// <summary>The synthetic rows as a JSON lines pipe.</summary>
    public static Task<ImportPipe> CreateAsync(string path, IEnumerable<SyntheticTweets.Row> rows, long released = long.MaxValue) =>
        CreateAsync(path, rows.Select(SyntheticTweets.JsonLine), released);

    public static async Task MakeFifoAsync(string path)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "named pipes through mkfifo are a Unix fixture");
        using var mkfifo = Process.Start("mkfifo", [path]);
        await mkfifo.WaitForExitAsync();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    /// <summary>
    /// Completes when the writer has closed its end: true when the reader closed the file first (the
    /// import let go of it), false when the test ended or closed it.
    /// </summary>
    public Task<bool> Closed => _writer;

    /// <summary>Lets the writer go on up to <paramref name="lines"/> lines in all; the file stays open after them.</summary>
    public void Release(long lines) => Signal(() => _released = Math.Max(_released, lines));

    /// <summary>Lets the writer write every line and then close: the reader sees the end of the file.</summary>
    public void End() => Signal(() => (_released, _ended) = (long.MaxValue, true));

    /// <summary>Ends the file where the writer is (no more lines) and waits for the writer to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        Signal(() => _closing = true);
        if (!_writer.IsCompleted)
        {
            // A writer still waiting for a reader to open the pipe is let through with a handle that
            // reads and writes, which Linux opens without waiting; it then sees it is closing.
            await using var unblock = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            try
            {
                await _writer.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                // Blocked on a full pipe that nobody reads any more (a test that failed mid-import):
                // left behind on its background thread rather than hanging the run.
                return;
            }
        }

        _lines.Dispose();
    }

    private bool Write(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            for (long line = 0; ; line++)
            {
                if (!WaitForRelease(line, writer) || !_lines.MoveNext())
                {
                    break;
                }

                writer.Write(_lines.Current);
                writer.Write('\n');
            }

            // Held open after the last line until the test ends or closes the file.
            WaitUntil(() => _ended || _closing, writer);
            return false;
        }
        catch (IOException)
        {
            // Broken pipe: nobody has the file open for reading any more.
            return true;
        }
    }

    private bool WaitForRelease(long line, StreamWriter writer)
    {
        WaitUntil(() => line < _released || _closing, writer);
        lock (_gate)
        {
            return !_closing;
        }
    }

    private void WaitUntil(Func<bool> condition, StreamWriter writer)
    {
        lock (_gate)
        {
            if (condition())
            {
                return;
            }
        }

        // What is released reaches the reader before the writer waits.
        writer.Flush();
        lock (_gate)
        {
            while (!condition())
            {
                Monitor.Wait(_gate);
            }
        }
    }

    private void Signal(Action change)
    {
        lock (_gate)
        {
            change();
            Monitor.PulseAll(_gate);
        }
    }
}
