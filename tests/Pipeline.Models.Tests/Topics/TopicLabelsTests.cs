using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicLabelsTests
{
    [Fact]
    public void A_lone_topic_is_labelled_by_its_three_heaviest_words()
    {
        var words = new[] { new WeightedWord("debit", 0.05), new WeightedWord("transfer", 0.12), new WeightedWord("reversal", 0.07), new WeightedWord("failed", 0.09) };

        // A topic alone is its own background: relevance orders its words by weight.
        Assert.Equal(["transfer / failed / reversal"], TopicLabels.AutoLabels([4], [words]));
    }

    [Fact]
    public void Auto_labels_of_a_model_lead_with_the_words_that_tell_its_topics_apart()
    {
        // "never" is the heaviest word of every topic: by weight alone it would open all three labels.
        IReadOnlyList<WeightedWord> Topic(params (string Word, double Weight)[] words) => words.Select(w => new WeightedWord(w.Word, w.Weight)).ToList();
        var topics = new[]
        {
            Topic(("never", 0.3), ("transfer", 0.25), ("failed", 0.2), ("reversal", 0.15), ("pending", 0.1)),
            Topic(("never", 0.3), ("card", 0.25), ("blocked", 0.2), ("atm", 0.15), ("pin", 0.1)),
            Topic(("never", 0.3), ("app", 0.25), ("login", 0.2), ("update", 0.15), ("crash", 0.1)),
        };

        var labels = TopicLabels.AutoLabels([4, 5, 6], topics);

        Assert.Equal(["transfer / failed / reversal", "card / blocked / atm", "app / login / update"], labels);
        Assert.Equal(["never / transfer / failed"], TopicLabels.AutoLabels([4], [topics[0]]));
    }

    [Fact]
    public void Auto_labels_name_a_topic_without_words_by_its_id()
    {
        Assert.Equal(["transfer", "Topic 7"], TopicLabels.AutoLabels([6, 7], [[new WeightedWord("transfer", 0.2)], []], wordCount: 1));
    }

    [Fact]
    public void A_lone_topic_without_words_is_named_by_its_id()
    {
        Assert.Equal(["Topic 12"], TopicLabels.AutoLabels([12], [[]]));
    }

    [Fact]
    public void Labels_file_skips_comments_and_blank_lines_and_accepts_crlf()
    {
        var labels = TopicLabels.Parse("# ours\r\n\r\n0\tGeneral Inquiries\r\n12\tLoans & Credit – Repayment\r\n", "labels.tsv");

        Assert.Equal("General Inquiries", labels[0]);
        Assert.Equal("Loans & Credit – Repayment", labels[12]);
        Assert.Equal(2, labels.Count);
    }

    [Theory]
    [InlineData("0\tA\n1 B\n", 2, "no tab")]
    [InlineData("x\tA\n", 1, "'x' is not a topic id")]
    [InlineData("# c\n-1\tA\n", 2, "'-1' is not a topic id")]
    [InlineData("0\t  \n", 1, "empty label")]
    [InlineData("0\tA\n\n0\tB\n", 3, "already labelled on line 1")]
    public void Reading_errors_name_the_file_and_the_line(string text, int line, string problem)
    {
        var error = Assert.Throws<TopicLabelsFormatException>(() => TopicLabels.Parse(text, "conf/labels.tsv"));

        Assert.Equal("conf/labels.tsv", error.FileName);
        Assert.Equal(line, error.Line);
        Assert.StartsWith($"conf/labels.tsv:{line}: ", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void Written_labels_read_back_the_same()
    {
        var labels = new Dictionary<int, string> { [7] = "Fraud", [2] = "Cards" };

        var text = TopicLabels.Format(labels);

        Assert.Equal("2\tCards\n7\tFraud\n", text);
        Assert.Equal(labels, TopicLabels.Parse(text, "labels.tsv"));
    }

    [Fact]
    public void Shipped_defaults_are_the_original_ten_topics()
    {
        var defaults = TopicLabels.OriginalDefaults;

        Assert.Equal(Enumerable.Range(0, 10), defaults.Keys.Order());
        Assert.Equal("General Inquiries", defaults[0]);
        Assert.Equal("Electronic Banking – Complaints & Fraud Reports", defaults[7]);
        Assert.Equal("Transaction Issues – Agent Banking", defaults[9]);
    }

    [Fact]
    public void Applying_labels_to_a_catalog_changes_only_the_named_ids()
    {
        var catalog = new TopicCatalog("v1", [new TopicDescription(0, "a / b / c", [], 0.5), new TopicDescription(1, "d / e / f", [], 0.5)]);

        var labelled = TopicLabels.Apply(catalog, TopicLabels.OriginalDefaults.Where(l => l.Key == 1).ToDictionary());

        Assert.Equal(["a / b / c", "General Complaints"], labelled.Topics.Select(t => t.Label));
    }
}
