using Pipeline.Models.Language;
using Xunit;

namespace Pipeline.Tests.Shared;

/// <summary>
/// Starts loading Lingua's models (seconds, once per process) when the assembly starts, without waiting for them, so
/// that the first test to clean a post without a platform language does not spend its own time limit on the load.
/// </summary>
public sealed class LanguageModelsWarmUp : IAsyncLifetime
{
    public ValueTask InitializeAsync()
    {
        _ = Task.Run(() => new LanguageIdentifier(LanguageDetectionSettings.Default).Warm());
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
