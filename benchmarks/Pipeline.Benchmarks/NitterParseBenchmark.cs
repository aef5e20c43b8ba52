using System.Diagnostics;
using AngleSharp.Html.Parser;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;

namespace Pipeline.Benchmarks;

/// <summary>
/// Pages/s and posts/s of <see cref="NitterPageParser"/> over the fixture pages, against AngleSharp
/// parsing the same pages into a DOM and nothing else: the ratio is what our extraction costs.
/// </summary>
public static class NitterParseBenchmark
{
    // Short alternating rounds, so that a neighbour's load on a shared machine hits both sides alike.
    private static readonly TimeSpan Round = TimeSpan.FromMilliseconds(250);

    public static void Run(string folder, double seconds)
    {
        var pages = Directory.GetFiles(folder, "*.html").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();
        if (pages.Length == 0)
        {
            throw new InvalidOperationException($"No *.html page in '{folder}'.");
        }

        var url = new Uri("https://nitter.example/search?f=tweets&q=bench");
        var company = new CompanyId("bench");
        var fetchedAt = DateTimeOffset.UtcNow;
        var dom = new HtmlParser();

        long ours = 0, posts = 0, reference = 0;
        int ParseOurs(string html) => NitterPageParser.Parse(html, url, company, fetchedAt).Posts.Count;
        int ParseDom(string html)
        {
            using var document = dom.ParseDocument(html);
            return document.ChildElementCount;
        }

        // Warm-up: JIT and AngleSharp's lazy tables out of the measured time.
        Measure(pages, TimeSpan.FromSeconds(0.5), ParseOurs);
        Measure(pages, TimeSpan.FromSeconds(0.5), ParseDom);

        TimeSpan oursTime = TimeSpan.Zero, referenceTime = TimeSpan.Zero;
        var total = TimeSpan.FromSeconds(seconds);
        while (oursTime < total)
        {
            var (count, found, took) = Measure(pages, Round, ParseOurs);
            (ours, posts, oursTime) = (ours + count, posts + found, oursTime + took);
            (count, _, took) = Measure(pages, Round, ParseDom);
            (reference, referenceTime) = (reference + count, referenceTime + took);
        }

        var oursRate = ours / oursTime.TotalSeconds;
        var referenceRate = reference / referenceTime.TotalSeconds;
        Console.WriteLine($"{pages.Length} fixture pages from {folder}, {posts * pages.Length / Math.Max(ours, 1)} posts per round of them");
        Console.WriteLine($"{"",-36} {"pages/s",10} {"posts/s",10} {"seconds",8}");
        Console.WriteLine($"{"NitterPageParser.Parse",-36} {oursRate,10:N0} {posts / oursTime.TotalSeconds,10:N0} {oursTime.TotalSeconds,8:0.0}");
        Console.WriteLine($"{"reference: HtmlParser.ParseDocument",-36} {referenceRate,10:N0} {"-",10} {referenceTime.TotalSeconds,8:0.0}");
        Console.WriteLine($"extraction overhead: Parse takes {referenceRate / oursRate:0.00}x the time of the bare DOM parse");
    }

    private static (long Pages, long Posts, TimeSpan Took) Measure(string[] pages, TimeSpan span, Func<string, int> parse)
    {
        long count = 0, found = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < span)
        {
            foreach (var page in pages)
            {
                found += parse(page);
                count++;
            }
        }

        return (count, found, clock.Elapsed);
    }
}
