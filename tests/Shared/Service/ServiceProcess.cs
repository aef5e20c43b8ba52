using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Pipeline.Actors.Sources.Scraping;

namespace Pipeline.Tests.Shared.Service;

/// <summary>One start of the service as a child OS process, and what can be read about it from outside.</summary>
public sealed class ServiceProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();

    private ServiceProcess(Process process, Uri root, string logFile, int number, string name)
    {
        _process = process;
        Root = root;
        LogFile = logFile;
        Number = number;
        Name = name;
        _log = new StreamWriter(logFile, append: false, Encoding.UTF8) { AutoFlush = true };
    }

    public Uri Root { get; }

    public string LogFile { get; }

    /// <summary>1 for the first start, 2 for the first restart…</summary>
    public int Number { get; }

    /// <summary>What reports call this start (a node's name in a cluster, <c>service</c> otherwise).</summary>
    public string Name { get; }

    public int Pid => _process.Id;

    public DateTimeOffset StartedAt { get; private set; }

    public bool HasExited => _process.HasExited;

    /// <summary>The caller killed or terminated it (an exit then is no failure).</summary>
    public bool Stopped { get; private set; }

    public int ExitCode => _process.ExitCode;

    /// <summary>The exit code once the process has exited and been reaped; null while it runs.</summary>
    public int? ExitCodeIfExited
    {
        get
        {
            try
            {
                return _process.HasExited ? _process.ExitCode : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    public static ServiceProcess Start(ProcessStartInfo start, Uri root, string logFile, int number, string name = "service")
    {
        var process = new Process { StartInfo = start };
        ServiceProcess? service = null;
        process.OutputDataReceived += (_, e) => service?.Write(e.Data);
        process.ErrorDataReceived += (_, e) => service?.Write(e.Data);
        service = new ServiceProcess(process, root, logFile, number, name);
        service.StartedAt = DateTimeOffset.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>SIGKILL (what <see cref="Process.Kill()"/> sends on Unix): no drain, no shutdown hooks.</summary>
    public async Task KillAsync()
    {
        Stopped = true;
        try
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, what an orchestrator sends: the node leaves the cluster and drains before it exits.</summary>
    public async Task TerminateAsync(TimeSpan patience)
    {
        Stopped = true;
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("kill did not start"))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"{Name} (start {Number}) did not exit within {patience.TotalSeconds:0} s of SIGTERM:\n{Tail(30)}");
        }
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>A JSON answer of the management port, or null while the service does not answer (or answers an error).</summary>
    public async Task<JsonNode?> JsonAsync(string path, CancellationToken ct)
    {
        try
        {
            using var response = await Http.GetAsync(new Uri(Root, path), ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            return text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Every scraper's status, or null while the service does not answer (starting, or gone).</summary>
    public async Task<IReadOnlyList<ScraperStatus>?> SourcesAsync(CancellationToken ct)
    {
        try
        {
            return await Http.GetFromJsonAsync<List<ScraperStatus>>(new Uri(Root, "status/sources"), Json, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The numeric lines of <c>/metrics</c> by name (labels included), or null while the service does not answer.</summary>
    public async Task<IReadOnlyDictionary<string, double>?> MetricsAsync(CancellationToken ct)
    {
        string text;
        try
        {
            text = await Http.GetStringAsync(new Uri(Root, "metrics"), ct);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var space = line.LastIndexOf(' ');
            if (line.Length == 0 || line[0] == '#' || space < 0)
            {
                continue;
            }

            if (double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                values[line[..space]] = value;
            }
        }

        return values;
    }

    /// <summary>Resident memory, threads and open file descriptors, from /proc.</summary>
    public ProcessResources? Resources()
    {
        try
        {
            long rssKb = 0, threads = 0;
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rssKb = long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("Threads:", StringComparison.Ordinal))
                {
                    threads = long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }

            var handles = Directory.EnumerateFileSystemEntries($"/proc/{Pid}/fd").LongCount();
            return new ProcessResources(rssKb * 1024, threads, handles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The last lines the service wrote, for a failure report.</summary>
    public string Tail(int lines)
    {
        lock (_logLock)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(log not readable: {e.Message})";
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Lines still arriving after the log was closed: the process is being torn down.
            }
        }
    }
}

public sealed record ProcessResources(long RssBytes, long Threads, long OpenHandles);
