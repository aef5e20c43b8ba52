using System.Diagnostics;
using System.Globalization;

namespace Pipeline.Host.Tests.BadInput;

/// <summary>How one run of the real program ended.</summary>
/// <param name="PeakRssKb">The child's peak resident set (VmHWM), as last seen before it exited.</param>
internal sealed record ProcessRun(int ExitCode, string Output, string Error, long PeakRssKb, TimeSpan Elapsed);

/// <summary>
/// Runs the built program (<c>pipeline.dll</c>, copied beside the tests) as the shell would, in a
/// process of its own, so that a crash, a stack trace or a runaway allocation shows exactly as a
/// user would meet it, and its memory can be measured and bounded from outside.
/// </summary>
internal static class PipelineProcess
{
    /// <summary>
    /// The child's managed heap is capped (DOTNET_GCHeapHardLimit): a reader that tried to hold a 50 MB line
    /// (100 MB as a string, more while a builder grows) would die of OutOfMemoryException instead of passing.
    /// </summary>
    public const long HeapHardLimitBytes = 256L << 20;

    private static readonly TimeSpan RssSampleInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>Runs <c>pipeline ARGS</c> in <paramref name="workingDirectory"/>, with <paramref name="environment"/> on top of this process's.</summary>
    public static Task<ProcessRun> RunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args) =>
        RunAsync(workingDirectory, environment, timeout, _ => Task.CompletedTask, args);

    /// <summary>As <see cref="RunAsync(string, IReadOnlyDictionary{string, string}, TimeSpan, string[])"/>, with <paramref name="whileRunning"/> started beside the program (to signal it, say); its failure fails the run.</summary>
    public static async Task<ProcessRun> RunAsync(
        string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, Func<Process, Task> whileRunning, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "pipeline.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("PIPELINE_CONFIG");
        start.Environment["DOTNET_GCHeapHardLimit"] = HeapHardLimitBytes.ToString("X", CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        var alongside = whileRunning(process);

        // VmHWM only grows, so the last sample taken while the process lives is its peak up to then.
        long peak = 0;
        using (var sampler = new PeriodicTimer(RssSampleInterval))
        {
            while (!exited.IsCompleted)
            {
                peak = Math.Max(peak, PeakRssKb(process.Id));
                if (stopwatch.Elapsed > timeout)
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail($"pipeline {string.Join(' ', args)} still running after {timeout}");
                }

                await Task.WhenAny(exited, sampler.WaitForNextTickAsync().AsTask());
            }
        }

        await exited;
        await alongside;
        return new ProcessRun(process.ExitCode, await output, await error, peak, stopwatch.Elapsed);
    }

    private static long PeakRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone between two samples: its peak is the last one read.
        }

        return 0;
    }
}
