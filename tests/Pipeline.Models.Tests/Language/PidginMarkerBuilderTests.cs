using Pipeline.Models.Language;

namespace Pipeline.Models.Tests.Language;

public sealed class PidginMarkerBuilderTests
{
    private static readonly string[] Pidgin =
    [
        "abeg wetin dey happen", "my money no dey reflect abeg", "wetin una dey do", "una don try", "e dey pain me",
        "abeg una help me", "the app no dey work", "wetin be this", "abeg the money", "una too dey delay",
    ];

    private static readonly string[] English =
    [
        "the app is not working", "my money has not reflected", "please help me", "what is happening", "the transfer failed",
        "thank you for the help", "my card is blocked", "why is the app down", "please reverse my money", "the network is down",
    ];

    private static readonly PidginMarkerOptions Loose = new(MinPidginDocuments: 3, MinLogOdds: 1.0, MaxEnglishShare: 0.0, MinLength: 2);

    [Fact]
    public void Words_common_in_pidgin_and_absent_from_english_become_markers()
    {
        var markers = PidginMarkerBuilder.Build(Pidgin, English, Loose).Select(m => m.Word).ToList();

        Assert.Equal(["dey", "abeg", "una", "wetin"], markers);
    }

    [Fact]
    public void Words_both_languages_use_are_not_markers()
    {
        var markers = PidginMarkerBuilder.Build(Pidgin, English, Loose with { MinPidginDocuments = 2, MaxEnglishShare = 1 }).Select(m => m.Word).ToList();

        // "the", "money" and "my" are as common in the English posts.
        Assert.DoesNotContain("the", markers);
        Assert.DoesNotContain("money", markers);
        Assert.DoesNotContain("my", markers);
    }

    [Fact]
    public void Words_rarer_than_the_minimum_are_left_out()
    {
        var markers = PidginMarkerBuilder.Build(Pidgin, English, Loose with { MinPidginDocuments = 4 }).Select(m => m.Word).ToList();

        Assert.Equal(["dey", "abeg", "una"], markers);
    }

    [Fact]
    public void Marker_evidence_counts_posts_not_occurrences()
    {
        var dey = Assert.Single(PidginMarkerBuilder.Build(["dey dey dey", "dey"], ["the"], Loose with { MinPidginDocuments = 1, MinLogOdds = 0.5 }));

        Assert.Equal(("dey", 2, 0), (dey.Word, dey.PidginDocuments, dey.EnglishDocuments));
        Assert.Equal(Math.Log(3.0 / 4) - Math.Log(1.0 / 3), dey.LogOdds, 6);
    }

    [Fact]
    public void Written_list_reads_back_as_the_same_markers()
    {
        var markers = PidginMarkerBuilder.Build(Pidgin, English, Loose);
        var writer = new StringWriter();
        PidginMarkerBuilder.Write(writer, markers, ["built from training posts"]);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("# built from training posts", lines[0]);
        Assert.Equal(markers.Select(m => m.Word), lines.Skip(1).Select(l => l.Split('\t')[0]));
    }

    [Fact]
    public void Shipped_list_holds_pidgin_words_and_no_common_english_ones()
    {
        var shipped = PidginMarkers.Shipped;

        Assert.True(shipped.Size > 100, $"{shipped.Size} markers");
        Assert.All(new[] { "dey", "wetin", "abeg", "una", "wahala", "sabi" }, w => Assert.True(shipped.Contains(w), w));
        Assert.All(new[] { "the", "and", "money", "bank", "transfer", "account", "please" }, w => Assert.False(shipped.Contains(w), w));
    }
}
