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
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var channel = Dup(1);
        if (channel < 0)
        {
            return;
        }

        if (Dup2(2, 1) < 0)
        {
            Close(channel);
            return;
        }

        var stream = new FileStream(new SafeFileHandle(channel, ownsHandle: true), FileAccess.Write, bufferSize: 1);
        Console.SetOut(new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });
    }

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int descriptor);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int descriptor, int target);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int descriptor);
}
