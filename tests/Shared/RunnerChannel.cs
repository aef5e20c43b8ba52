using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Pipeline.Tests.Shared;

/// <summary>
/// Keeps native writes off the channel the test runner reads. Under <c>dotnet test</c> an xunit v3 test
/// process reports every result as a JSON line on its standard output. Native code in the same process
/// (ML.NET's LDA sampler prints its progress with printf) and child processes that inherit descriptor 1
/// write there too, and a partial native line glued to a result line makes the runner drop that result:
/// a test silently missing from the count. So, before the runner starts, the runner's channel moves to a
/// descriptor of its own behind <see cref="Console.Out"/>, and descriptor 1 points at standard error,
/// where native output is still visible but harmless.
/// </summary>
internal static class RunnerChannel
{
    [ModuleInitializer]
    internal static void MoveOffDescriptorOne()
    {
        // Linux only: fcntl is variadic, which P/Invoke calls correctly on Linux's x64 and arm64 ABIs but not on Apple's arm64.
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            var channel = Dup(1);
            if (channel < 0)
            {
                return;
            }

            // Not inherited: a postmaster started by a test must not hold the runner's pipe open after a crash.
            if (Fcntl(channel, SetDescriptorFlags, CloseOnExec) < 0 || Dup2(2, 1) < 0)
            {
                Close(channel);
                return;
            }

            var stream = new FileStream(new SafeFileHandle(channel, ownsHandle: true), FileAccess.Write, bufferSize: 1);
            Console.SetOut(new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No usable libc: results share descriptor 1 with native output, as without this class.
        }
    }

    private const int SetDescriptorFlags = 2; // F_SETFD
    private const int CloseOnExec = 1; // FD_CLOEXEC

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int descriptor);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int descriptor, int target);

    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int descriptor, int command, int argument);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
