using Xunit;

namespace Pipeline.Tests.Shared;

/// <summary>
/// Waits for what a test cannot be told about (a row in the database, a file moved, an HTTP answer) by asking again
/// until it holds, and fails saying what was awaited once the patience is spent: never a fixed sleep.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <param name="condition">Asked until it is true; it may assert, to fail at once on what must never happen meanwhile.</param>
    public static Task TrueAsync(string what, Func<Task<bool>> condition, TimeSpan patience) =>
        TrueAsync(() => what, condition, patience);

    public static Task TrueAsync(string what, Func<bool> condition, TimeSpan patience) =>
        TrueAsync(() => what, () => Task.FromResult(condition()), patience);

    /// <param name="what">Read when the patience is spent, so it can tell the last state seen.</param>
    public static async Task TrueAsync(Func<string> what, Func<Task<bool>> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what()}: not met within {patience.TotalSeconds:0} s");
            await Task.Delay(Interval);
        }
    }

    /// <summary>Reads <paramref name="read"/> until <paramref name="until"/> holds for what it returned, and returns that.</summary>
    /// <param name="what">Given the last value read when the patience is spent.</param>
    public static async Task<T> ValueAsync<T>(Func<T, string> what, Func<Task<T>> read, Func<T, bool> until, TimeSpan patience)
    {
        var value = default(T)!;
        await TrueAsync(() => what(value), async () => until(value = await read()), patience);
        return value;
    }
}
