using System.Diagnostics;

namespace Pipeline.Postgres;

/// <summary>What a finished command said: its exit code and its standard output followed by its standard error.</summary>
internal readonly record struct CommandResult(int ExitCode, string Output);

/// <summary>
/// Runs the PostgreSQL tools (<c>initdb</c>, <c>pg_ctl</c>, <c>chown</c>, …) as child processes and reads the server
/// log they write. Running as another user is <see cref="ServerUser"/>'s business: it hands a <c>runuser</c> command
/// line to this.
/// </summary>
internal static class ChildProcess
{
    /// <summary>How long any one command may take before it is killed (pg_ctl itself waits at most a minute).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="file"/> to completion (killed after <see cref="CommandTimeout"/>), with no input.</summary>
    public static async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server user may not be able to enter our working folder; "/" it can.
            WorkingDirectory = Path.GetPathRoot(Path.GetTempPath()) ?? "/",
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new LocalPostgresException($"Could not run '{file}': {e.Message}", e);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            ct.ThrowIfCancellationRequested();
            throw new LocalPostgresException(
                $"'{file} {string.Join(' ', arguments)}' did not finish within {CommandTimeout.TotalSeconds:0} s.");
        }

        var output = (await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false)).Trim();
        return new CommandResult(process.ExitCode, output);
    }

    /// <summary><see cref="RunAsync"/>, failing with the command line and its output when it exits non-zero.</summary>
    public static async Task RunCheckedAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var result = await RunAsync(file, arguments, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
            throw new LocalPostgresException(
                $"'{file} {string.Join(' ', arguments)}' failed (exit code {result.ExitCode}):{Environment.NewLine}{result.Output}");
    }

    /// <summary>The size of a log file now (0 if it is missing): where the next <see cref="LogTail"/> starts.</summary>
    public static long LogLength(string logFile)
    {
        try
        {
            return File.Exists(logFile) ? new FileInfo(logFile).Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The last lines of the server log written since <paramref name="from"/> (a byte offset).</summary>
    public static string LogTail(string logFile, long from, int lines = 30)
    {
        try
        {
            if (!File.Exists(logFile))
                return "(no server log)";
            using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(from, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return all.Length == 0 ? "(empty)" : string.Join(Environment.NewLine, all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(could not read the server log: {e.Message})";
        }
    }
}
