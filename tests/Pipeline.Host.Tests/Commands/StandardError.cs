namespace Pipeline.Host.Tests.Commands;

/// <summary>
/// Verbs report failures as one line on the process's stderr; tests that read it swap <see cref="Console.Error"/>,
/// which is process-wide, so they run in this collection, alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StandardErrorCollection
{
    public const string Name = "standard error";
}

internal static class StandardError
{
    /// <summary>Runs a verb and returns its exit code with what it wrote to stderr.</summary>
    public static async Task<(int Code, string Error)> CaptureAsync(Func<Task<int>> verb)
    {
        var original = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            var code = await verb();
            return (code, error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }

    /// <summary>
    /// The program as the shell runs it: argument parsing, the verb, and Program's mapping of exceptions to exit codes.
    /// </summary>
    public static Task<(int Code, string Error)> RunProgramAsync(params string[] args) =>
        CaptureAsync(async () =>
        {
            var entryPoint = typeof(Pipeline.Host.Commands.ExitCodes).Assembly.EntryPoint!;
            var result = await Task.Run(() => entryPoint.Invoke(null, [args]));
            return result is Task<int> running ? await running : (int)result!;
        });
}
