using Pipeline.Actors.Import;
using Pipeline.Actors.Sources.Scraping;
using Pipeline.Actors.Storage;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Settings;

/// <param name="ConnectionString">Null: start the embedded PostgreSQL.</param>
public sealed record DatabaseSettings(string? ConnectionString, EmbeddedPostgresSettings Embedded, string ReportingUser);

public sealed record EmbeddedPostgresSettings(string DataDirectory, string? BinDirectory, int Port);

public sealed record HttpSettings(string Host, int Port);

/// <summary>Everything under <c>pipeline { }</c>, typed and validated.</summary>
public sealed record PipelineSettings(
    DatabaseSettings Database,
    HttpSettings Http,
    SinkSettings Sink,
    int ImportMaxAttempts,
    CleaningPolicy Cleaning,
    ImportSettings Import,
    ScrapingSettings Scraping,
    IReadOnlyList<Company> Companies)
{
    public DashboardSettings Dashboard { get; init; } = DashboardSettings.Default;
}

/// <param name="RefreshInterval">How often the page asks for new data.</param>
/// <param name="FeedSize">Posts the live feed shows.</param>
public sealed record DashboardSettings(TimeSpan RefreshInterval, int FeedSize)
{
    public static DashboardSettings Default { get; } = new(TimeSpan.FromSeconds(5), 25);
}

/// <summary>Invalid configuration: the message names each bad setting and its value.</summary>
public sealed class SettingsException(IReadOnlyList<string> problems)
    : Exception("Invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
