using Pipeline.Host.Demo;
using Spectre.Console;

namespace Pipeline.Host.Tests.Demo;

/// <summary>The demo's status as a line (no terminal) and as the table redrawn in place.</summary>
public sealed class DemoStatusViewTests
{
    private static readonly Uri Dashboard = new("http://127.0.0.1:8558/");

    private static DemoSnapshot Status(string retraining) => new(
        new DateTimeOffset(2026, 12, 3, 10, 42, 7, TimeSpan.Zero),
        [new CompanyProgress("GTBank", 1200, 1000, new DateTimeOffset(2026, 12, 3, 10, 40, 0, TimeSpan.Zero)), new CompanyProgress("Kuda", 0, 0, null)],
        1500, 1000, [new("spam", 300), new("own_post", 200)], 12, retraining);

    [Fact]
    public void The_line_gives_the_counts_the_drops_by_reason_the_rate_limit_pauses_and_the_dashboard()
    {
        var line = DemoStatusView.Line(Status("off"), Dashboard);

        Assert.Equal(
            "status 10:42:07Z: collected 1,500, stored 1,000, dropped 500 (spam 300, own_post 200), rate-limit pauses 12, " +
            "companies with posts 1/2, topic retraining: off; dashboard http://127.0.0.1:8558/",
            line);
    }

    [Fact]
    public void The_table_keeps_every_line_within_the_terminal_width_so_it_can_be_redrawn_in_place()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        console.Profile.Width = 60;

        console.Write(DemoStatusView.Table(Status(new string('x', 200)), Dashboard, "/tmp/demo.log", 60));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.True(l.TrimEnd('\r').Length <= 60, $"{l.Length} columns: {l}"));
        Assert.Contains(lines, l => l.Contains("GTBank", StringComparison.Ordinal) && l.Contains("1,200", StringComparison.Ordinal) && l.Contains("Dec 3 10:40", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("Topic retraining", StringComparison.Ordinal) && l.TrimEnd().EndsWith('…'));
    }
}
