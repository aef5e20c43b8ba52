using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Pipeline.Host.Demo;

/// <summary>One company's row of the demo's status.</summary>
/// <param name="Collected">Posts about the company the scrapers brought in, kept or dropped.</param>
/// <param name="Stored">Of those, the ones kept (scored and in the reporting views).</param>
/// <param name="LastPost">When the newest kept post was written (the post's own time, not when it was collected).</param>
public sealed record CompanyProgress(string Name, long Collected, long Stored, DateTimeOffset? LastPost);

/// <summary>What the demo's terminal shows: how far collection got, what cleaning dropped, how often the simulator said "slow down".</summary>
/// <param name="Collected">Every collected post, including those about none of the companies.</param>
/// <param name="Dropped">Posts dropped by cleaning, by reason, most first.</param>
/// <param name="RateLimitPauses">Times a scraper paused because the instance answered 429 (this run).</param>
/// <param name="Retraining">Where the demo's topic retraining is, in a few words.</param>
public sealed record DemoSnapshot(
    DateTimeOffset At,
    IReadOnlyList<CompanyProgress> Companies,
    long Collected,
    long Stored,
    IReadOnlyList<KeyValuePair<string, long>> Dropped,
    long RateLimitPauses,
    string Retraining)
{
    public long DroppedTotal => Dropped.Sum(d => d.Value);
}

/// <summary>The two ways the status is shown: one plain line (logs, CI, a pipe) and a table redrawn in place (a terminal).</summary>
public static class DemoStatusView
{
    /// <summary>e.g. <c>status 10:42:07Z: collected 3,412, stored 3,236, dropped 176 (spam 80, own_post 60), rate-limit pauses 12, …</c></summary>
    public static string Line(DemoSnapshot status, Uri dashboard)
    {
        var withPosts = status.Companies.Count(c => c.Stored > 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"status {status.At:HH:mm:ss}Z: collected {status.Collected:N0}, stored {status.Stored:N0}, dropped {Dropped(status)}, " +
            $"rate-limit pauses {status.RateLimitPauses:N0}, companies with posts {withPosts}/{status.Companies.Count}, " +
            $"topic retraining: {status.Retraining}; dashboard {dashboard}");
    }

    private const int RowLabelWidth = 19;

    /// <param name="width">The terminal's width: each line below the table is cut to it.</param>
    public static IRenderable Table(DemoSnapshot status, Uri dashboard, string logFile, int width)
    {
        var table = new Table().Border(TableBorder.Rounded).Expand()
            .AddColumn("Company")
            .AddColumn(new TableColumn("Collected").RightAligned())
            .AddColumn(new TableColumn("Stored").RightAligned())
            .AddColumn(new TableColumn("Last post (UTC)").RightAligned());
        foreach (var company in status.Companies)
        {
            table.AddRow(
                new Text(company.Name),
                new Text(Count(company.Collected)),
                new Text(Count(company.Stored)),
                new Text(company.LastPost is { } at ? at.ToString("MMM d HH:mm", CultureInfo.InvariantCulture) : "–"));
        }

        table.AddRow(new Markup("[bold]All[/]"), new Markup($"[bold]{Count(status.Collected)}[/]"), new Markup($"[bold]{Count(status.Stored)}[/]"), new Text(string.Empty));

        // One line each, cut to the width: a display taller than the terminal cannot be redrawn in place.
        var facts = new IRenderable[]
        {
            Fact("Dropped", Dropped(status), width),
            Fact("Rate-limit pauses", $"{Count(status.RateLimitPauses)} (429s from the simulator, on purpose: the scrapers wait and go on)", width),
            Fact("Topic retraining", status.Retraining, width),
            new Markup($"{"Dashboard",-RowLabelWidth}[link={dashboard}]{Markup.Escape(dashboard.ToString())}[/]"),
            Fact("Full log", logFile, width),
            Fact(string.Empty, $"updated {status.At.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}Z; Ctrl+C stops after committing in-flight batches", width, new Style(Color.Grey)),
        };
        return new Rows([table, .. facts]);
    }

    private static string Dropped(DemoSnapshot status) =>
        status.Dropped.Count == 0
            ? "0"
            : string.Create(CultureInfo.InvariantCulture, $"{status.DroppedTotal:N0} ({string.Join(", ", status.Dropped.Select(d => $"{d.Key} {d.Value:N0}"))})");

    private static Text Fact(string label, string value, int width, Style? style = null)
    {
        var line = $"{label,-RowLabelWidth}{value}";
        return new Text(line.Length < width ? line : line[..Math.Max(0, width - 2)] + "…", style);
    }

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
