using Pipeline.Host.Tests.BadInput;

namespace Pipeline.Host.Tests.Commands;

/// <summary>
/// Verbs run as the shell runs them print their own lines only: ML.NET's LDA sampler, native code, prints its thread count,
/// log-likelihood and timings with printf, which libc flushed after the verb's last line when stdout was a pipe.
/// </summary>
public sealed class NativeOutputTests
{
    // Three subjects of six words each, so the sampler has topics to find.
    private static readonly string[][] Subjects =
        [.. new[] { "ussd code dial menu session network", "branch queue teller cashier counter waiting", "refund chargeback dispute merchant receipt complaint" }
            .Select(words => words.Split(' '))];

    private static readonly string[] NativeChatter = ["thread(s)", "loglikelihood", "Time Cost", "started training"];

    [Fact]
    public async Task Train_topics_as_a_program_prints_its_report_and_nothing_from_the_native_LDA_sampler()
    {
        using var folder = new TempDirectory();
        var random = new Random(5);
        var csv = Path.Combine(folder.Path, "posts.csv");
        await File.WriteAllLinesAsync(csv, Enumerable.Range(0, 150)
            .Select(i => $"{i},{string.Join(' ', Enumerable.Range(0, 8).Select(_ => Subjects[i % 3][random.Next(6)]))}")
            .Prepend(",tweet"), TestContext.Current.CancellationToken);
        var config = Path.Combine(folder.Path, "pipeline.conf");
        await File.WriteAllTextAsync(config, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + """

            pipeline.topics.training { topics = 3, iterations = 40, burnin-iterations = 5, min-document-count = 2, max-document-fraction = 0.9, top-words = 10 }
            """, TestContext.Current.CancellationToken);

        var run = await PipelineProcess.RunAsync(folder.Path, new Dictionary<string, string>(), TimeSpan.FromMinutes(3),
            "train-topics", csv, "--config", config, "--out", Path.Combine(folder.Path, "model"), "--no-previous");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}:\n{run.Output}\n{run.Error}");
        Assert.Contains("Unclassified", run.Output, StringComparison.Ordinal);
        foreach (var chatter in NativeChatter)
        {
            Assert.DoesNotContain(chatter, run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(chatter, run.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Verb_output_redirected_to_a_file_survives_what_the_shell_writes_to_the_same_file_after_it()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "out.txt");
        var program = Path.Combine(AppContext.BaseDirectory, "pipeline.dll");
        var shell = new System.Diagnostics.ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardError = true };
        // One descriptor for both writers, opened without O_APPEND, as in any script's `{ …; } > file`.
        shell.ArgumentList.Add("-c");
        shell.ArgumentList.Add("{ dotnet \"$1\" --help; echo after-the-verb; } > \"$2\"");
        shell.ArgumentList.Add("sh");
        shell.ArgumentList.Add(program);
        shell.ArgumentList.Add(file);
        using var process = System.Diagnostics.Process.Start(shell)!;
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, error);
        var lines = await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken);
        Assert.StartsWith("Description:", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("export", StringComparison.Ordinal));
        Assert.Equal("after-the-verb", lines[^1]);
    }

    [Fact]
    public async Task Handle_written_with_its_at_sign_reaches_the_verb_instead_of_being_read_as_a_response_file()
    {
        using var folder = new TempDirectory();
        var config = Path.Combine(folder.Path, "pipeline.conf");
        // A setting the verb refuses before it connects: reaching that refusal shows the arguments were parsed.
        await File.WriteAllTextAsync(config, await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "pipeline.conf"))
            + Environment.NewLine + "pipeline.http.port = 70000", TestContext.Current.CancellationToken);

        var run = await PipelineProcess.RunAsync(folder.Path, new Dictionary<string, string>(), TimeSpan.FromMinutes(1),
            "export", "--author", "@TheTunde", "--config", config);

        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}:\n{run.Output}\n{run.Error}");
        Assert.Contains("pipeline.http.port", run.Error, StringComparison.Ordinal);
    }
}
