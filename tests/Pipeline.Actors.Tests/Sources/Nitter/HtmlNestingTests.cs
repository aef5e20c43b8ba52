using System.Text;
using AngleSharp.Html.Parser;
using Pipeline.Actors.Sources.Nitter;
using Pipeline.Models.Domain;
using Xunit;
using static Pipeline.Actors.Tests.Sources.Nitter.NitterFixtures;

namespace Pipeline.Actors.Tests.Sources.Nitter;

/// <summary>
/// The nesting bound on Nitter pages: markup nested deeper than <c>pipeline.limits.max-nesting-depth</c> is refused
/// before AngleSharp builds it, and markup cannot hide its nesting from the estimate.
/// </summary>
public sealed class HtmlNestingTests
{
    private const int Bound = 128;

    private static string Repeat(string text, int times) => new StringBuilder(text.Length * times).Insert(0, text, times).ToString();

    private static string Nested(string open, string close, int depth, string inside = "text") =>
        "<!DOCTYPE html><html><body>" + Repeat(open, depth) + inside + Repeat(close, depth) + "</body></html>";

    private static int ParsedDepth(string html) => HtmlNesting.Depth(new HtmlParser().ParseDocument(html));

    [Theory]
    [InlineData(Page1)]
    [InlineData(Layout2025)]
    [InlineData(NoMoreItems)]
    [InlineData(NoItemsFound)]
    [InlineData(RateLimited)]
    public void Nitter_pages_are_well_within_the_default_bound(string fixture)
    {
        var html = Read(fixture);

        Assert.Null(HtmlNesting.Estimate(html, InputLimits.Default.MaxNestingDepth));
        Assert.InRange(ParsedDepth(html), 3, 40);
    }

    [Fact]
    public void Hundred_thousand_nested_divs_are_found_too_deep_where_the_bound_is_crossed()
    {
        var html = Nested("<div>", "</div>", 100_000);

        var at = HtmlNesting.Estimate(html, Bound);

        // html and body are two of the 128: the 127th div is one too many.
        Assert.Equal(html.IndexOf("<div>", StringComparison.Ordinal) + 126 * "<div>".Length, at);
    }

    [Fact]
    public void Nesting_up_to_the_bound_is_accepted_and_one_more_is_not()
    {
        // html, body and 126 divs: 128 elements deep.
        Assert.Null(HtmlNesting.Estimate(Nested("<div>", "</div>", Bound - 2), Bound));
        Assert.NotNull(HtmlNesting.Estimate(Nested("<div>", "</div>", Bound - 1), Bound));
        Assert.Equal(Bound, ParsedDepth(Nested("<div>", "</div>", Bound - 2)));
    }

    public static TheoryData<string, string> Disguises => new()
    {
        // Each hides 1,000 levels of nesting from a scanner that reads markup more naively than the HTML tokenizer.
        { "a comment closed by --!>", "<!-- x --!>" + Repeat("<div>", 1000) + "-->" },
        { "an empty comment <!-->", "<!-->" + Repeat("<div>", 1000) + "-->" },
        { "an empty comment <!--->", "<!--->" + Repeat("<div>", 1000) + "-->" },
        { "a quote inside an unquoted attribute value", "<a title=x\"y>" + Repeat("<span>", 1000) + "\"" },
        { "an apostrophe inside an unquoted attribute value", "<a title=x'y>" + Repeat("<span>", 1000) + "'" },
        { "self-closing syntax on HTML elements, which HTML ignores", Repeat("<div/>", 1000) },
        { "an SVG title, where HTML is markup again", "<svg><title>" + Repeat("<div>", 1000) + "</title></svg>" },
        { "end tags that HTML ignores because a table stands between", Repeat("<div><table><tr><td>" + Repeat("<span>", 50) + "</div>", 40) },
        { "formatting end tags that keep their blocks open", Repeat("<b>" + Repeat("<div>", 50) + "</b>", 40) },
        { "unclosed formatting elements", Repeat("<b>", 1000) },
    };

    [Theory]
    [MemberData(nameof(Disguises))]
    public void Nesting_hidden_in_markup_is_still_counted(string disguise, string markup)
    {
        var html = "<!DOCTYPE html><html><body>" + markup + "</body></html>";

        Assert.True(ParsedDepth(html) > Bound, $"the disguise '{disguise}' does not nest deep in AngleSharp's tree: the case tests nothing");
        Assert.NotNull(HtmlNesting.Estimate(html, Bound));
    }

    public static TheoryData<string, string> ShallowPages => new()
    {
        // Real pages leave optional end tags out; siblings must not be counted as nested.
        { "list items without end tags", "<ul>" + Repeat("<li>item", 500) + "</ul>" },
        { "paragraphs without end tags", Repeat("<p>paragraph", 500) },
        { "table cells and rows without end tags", "<table>" + Repeat("<tr>" + Repeat("<td>cell", 5), 200) + "</table>" },
        { "void elements", Repeat("<br><img src=x><input>", 500) },
        { "markup inside comments and scripts", "<!--" + Repeat("<div>", 500) + "--><script>" + Repeat("<div>", 500) + "</script>" },
        { "markup inside quoted attribute values", "<a title=\"" + Repeat("<div>", 500) + "\">x</a>" },
        { "self-closing SVG elements", "<svg>" + Repeat("<path d=\"M0 0\"/>", 500) + "</svg>" },
    };

    [Theory]
    [MemberData(nameof(ShallowPages))]
    public void Shallow_markup_is_not_taken_for_deep(string what, string markup)
    {
        var html = "<!DOCTYPE html><html><body>" + markup + "</body></html>";

        Assert.True(ParsedDepth(html) < 10, $"'{what}' is deep in AngleSharp's tree: the case tests nothing");
        Assert.Null(HtmlNesting.Estimate(html, Bound));
    }

    [Theory]
    [InlineData("<!-- a -->")]
    [InlineData("</div>")]
    [InlineData("<p title=\"a\" class=b>x")]
    [InlineData("<script>a</scriptx>")]
    public void Estimate_reads_a_page_of_many_small_constructs_in_one_pass(string construct)
    {
        // 8 MiB of them (the default body bound): a scan that looked for each construct's end from its start
        // again, or walked back over the page, would take minutes here instead of milliseconds.
        var html = "<html><body>" + Repeat(construct, (8 << 20) / construct.Length) + "</body></html>";

        var watch = System.Diagnostics.Stopwatch.StartNew();
        HtmlNesting.Estimate(html, Bound);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
    }

    [Fact]
    public void Depth_of_a_built_tree_is_measured_without_recursion()
    {
        // Deep enough that a recursive walk of one frame per level would need a large stack; built from nodes, not parsed.
        var document = new HtmlParser().ParseDocument("<html><body></body></html>");
        AngleSharp.Dom.IElement parent = document.Body!;
        for (var i = 0; i < 200_000; i++)
        {
            var child = document.CreateElement("div");
            parent.AppendChild(child);
            parent = child;
        }

        Assert.Equal(200_002, HtmlNesting.Depth(document));
    }
}
