using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.Host;

/// <summary>
/// Keeps native libraries' chatter off the program's standard output. ML.NET's LDA sampler (LdaNative, C++) prints
/// <c>using 1 thread(s) to do train/test</c>, its log-likelihood and timings with printf whenever a topic model is trained or
/// loaded for scoring; nothing in ML.NET turns that off (its <c>MLContext.Log</c> only carries managed messages). Because
/// libc buffers that output when stdout is a pipe, it used to come out at exit, after the verb's own last line.
/// So the program's own writer (<see cref="Console.Out"/>) moves to a duplicate of descriptor 1 and descriptor 1 itself
/// points at /dev/null: .NET writes still reach the terminal or pipe, printf from native code goes nowhere.
/// </summary>
internal static class NativeOutput
{
    // A duplicate of the real descriptor 1, kept to ask the terminal its size; -1 before the move.
    private static int _own = -1;

    /// <summary>
    /// The terminal's size, read from the program's own descriptor: once descriptor 1 is /dev/null, .NET (and so
    /// Spectre.Console) can no longer ask the terminal and falls back to 80 columns. Null when the output is no terminal.
    /// </summary>
    public static (int Columns, int Rows)? TerminalSize
    {
        get
        {
            try
            {
                return _own >= 0 && Libc.ioctl(_own, GetWindowSize, out var size) == 0 && size.Columns > 0 ? (size.Columns, size.Rows) : null;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>Once, at start-up, before any verb runs (Linux; elsewhere nothing changes).</summary>
    public static void KeepOffStandardOutput()
    {
        // fcntl is variadic, which P/Invoke calls correctly on Linux's ABIs but not on Apple's arm64.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // What the console knows about the terminal is read now and cached: afterwards descriptor 1 is no terminal.
        var redirected = Console.IsOutputRedirected;
        if (!redirected)
        {
            _ = Console.WindowWidth;
        }

        try
        {
            var own = Libc.dup(1);
            if (own < 0)
            {
                return;
            }

            // The console's own stream, taken while descriptor 1 is still the real output, writes with write(2) on a
            // duplicate of it. A FileStream would write at offsets of its own when the output is a file (pwrite), so
            // whatever the shell writes to the same file afterwards would overwrite the verb's lines.
            var program = Console.OpenStandardOutput();
            var nowhere = Libc.open("/dev/null", WriteOnly);
            // Close-on-exec: the embedded PostgreSQL, started as a child, must not hold the terminal or a test's pipe open.
            if (nowhere < 0 || Libc.fcntl(own, SetDescriptorFlags, CloseOnExec) < 0 || Libc.dup2(nowhere, 1) < 0)
            {
                program.Dispose();
                Libc.close(own);
                if (nowhere >= 0)
                {
                    Libc.close(nowhere);
                }

                return;
            }

            Libc.close(nowhere);
            _own = own;
            Console.SetOut(new StreamWriter(program, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No usable libc: native output stays where it was.
        }
    }

    private const int WriteOnly = 1; // O_WRONLY
    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExec = 1; // FD_CLOEXEC
    private const nuint GetWindowSize = 0x5413; // TIOCGWINSZ (Linux, x64 and arm64 alike)

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort PixelsX;
        public ushort PixelsY;
    }

    // libc's own names, so no entry points to spell out; errno is not read (a failure leaves native output where it was).
    private static class Libc
    {
        [DllImport("libc")] public static extern int ioctl(int fd, nuint request, out WindowSize size);
        [DllImport("libc")] public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
        [DllImport("libc")] public static extern int dup(int fd);
        [DllImport("libc")] public static extern int dup2(int fd, int target);
        [DllImport("libc")] public static extern int fcntl(int fd, int command, int argument);
        [DllImport("libc")] public static extern int close(int fd);
    }
}
