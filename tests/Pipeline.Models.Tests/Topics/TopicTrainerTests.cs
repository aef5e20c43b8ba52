using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicTrainerTests : IDisposable
{
    // Three themes that never share a word (all survive TextNormalizer.TopicTokens unchanged), so any
    // working LDA separates them whatever the document order.
    private static readonly string[][] Themes =
    [
        ["card", "atm", "pin", "blocked", "swallowed", "machine"],
        ["transfer", "reversal", "debit", "pending", "beneficiary", "credited"],
        ["loan", "interest", "repayment", "collateral", "approval", "salary"],
    ];

    private static readonly string[] ThemeLabels = ["Cards and ATMs", "Transfers and reversals", "Loans"];

    private static readonly TopicTrainingSettings Small = new()
    {
        Topics = 3,
        Iterations = 60,
        BurninIterations = 5,
        MinDocumentCount = 2,
        MaxDocumentFraction = 0.9,
        TopWords = 10,
    };

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("topic-trainer-tests-");

    public void Dispose() => _temp.Delete(recursive: true);

    internal static IReadOnlyList<string> ThemeCorpus(int seed = 11, int count = 180)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i => Themes[i % Themes.Length])
            .Select(words => string.Join(' ', Enumerable.Range(0, 8).Select(_ => words[random.Next(words.Length)])))
            .ToArray();
    }

    private static int ThemeOf(TopicDescription topic) =>
        Array.FindIndex(Themes, theme => topic.TopWords.Take(3).All(w => theme.Contains(w.Word)));

    [Fact]
    public void Training_twice_with_the_same_seed_and_data_gives_identical_topics()
    {
        var day = new DateOnly(2024, 3, 1);
        var first = TopicTrainer.Train(ThemeCorpus(), Small, new TopicTrainingOptions(TrainedOn: day));
        var second = TopicTrainer.Train(ThemeCorpus(), Small, new TopicTrainingOptions(TrainedOn: day));

        Assert.Equal(TopicCatalogJson.Serialize(first.Model.Catalog), TopicCatalogJson.Serialize(second.Model.Catalog));
        Assert.Equal(first.Model.Version, second.Model.Version);
        Assert.Matches(@"^lda-k3-20240301-[0-9a-f]{8}$", first.Model.Version);
    }

    [Fact]
    public void Model_version_changes_with_the_data_but_not_with_the_day_alone()
    {
        var settings = new TopicTrainingSettings();
        IReadOnlyList<IReadOnlyList<string>> documents = [["card", "atm"], ["loan"]];
        IReadOnlyList<IReadOnlyList<string>> other = [["card", "atm"], ["loans"]];

        var monday = TopicTrainer.ModelVersion(settings, documents, new DateOnly(2024, 3, 4));
        var tuesday = TopicTrainer.ModelVersion(settings, documents, new DateOnly(2024, 3, 5));

        Assert.Equal(monday[^8..], tuesday[^8..]);
        Assert.NotEqual(monday, tuesday);
        Assert.NotEqual(monday, TopicTrainer.ModelVersion(settings, other, new DateOnly(2024, 3, 4)));
        Assert.NotEqual(monday, TopicTrainer.ModelVersion(settings with { Topics = 11 }, documents, new DateOnly(2024, 3, 4)));
    }

    [Fact]
    public void Save_then_Load_gives_identical_distributions()
    {
        var trained = TopicTrainer.Train(ThemeCorpus(), Small).Model;
        var folder = Path.Combine(_temp.FullName, "model");
        trained.Save(folder);

        var loaded = TopicModel.Load(folder);

        IReadOnlyList<IReadOnlyList<string>> probes = [["card", "pin", "atm"], ["transfer", "pending"], ["loan", "salary", "card"], ["unknown"]];
        Assert.Equal(trained.Classify(probes).Select(s => s.Distribution), loaded.Classify(probes).Select(s => s.Distribution));
        Assert.Equal(trained.Version, loaded.Version);
        Assert.Equal(TopicCatalogJson.Serialize(trained.Catalog), TopicCatalogJson.Serialize(loaded.Catalog));
    }

    [Fact]
    public void Load_of_a_folder_without_model_zip_names_the_missing_file()
    {
        var folder = Path.Combine(_temp.FullName, "model");
        TopicTrainer.Train(ThemeCorpus(), Small).Save(folder);
        File.Delete(Path.Combine(folder, TopicModel.ModelFileName));

        var error = Assert.Throws<InvalidDataException>(() => TopicModel.Load(folder));

        Assert.Contains("missing model.zip", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("topics.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_folder_holds_metrics_with_documents_vocabulary_and_per_topic_coherence()
    {
        var folder = Path.Combine(_temp.FullName, "model");
        var result = TopicTrainer.Train(ThemeCorpus(), Small);
        result.Save(folder);

        var metrics = TopicMetricsJson.Deserialize(File.ReadAllText(Path.Combine(folder, TopicTrainingResult.MetricsFileName)));

        Assert.Equal(180, metrics.Documents);
        Assert.Equal(18, metrics.Vocabulary);
        Assert.Equal(result.Model.Version, metrics.ModelVersion);
        Assert.Equal(result.Model.Catalog.Topics.Select(t => t.Id), metrics.Topics.Select(t => t.Id));
        Assert.NotNull(metrics.CV);
        Assert.All(metrics.Topics, t => Assert.NotNull(t.CV));
    }

    [Fact]
    public void Retraining_on_shuffled_data_keeps_ids_and_labels_of_the_same_themes()
    {
        var first = TopicTrainer.Train(ThemeCorpus(), Small);
        var labels = first.Model.Catalog.Topics.ToDictionary(t => t.Id, t => ThemeLabels[ThemeOf(t)]);
        var labelled = TopicLabels.Apply(first.Model.Catalog, labels);
        var idOfTheme = labelled.Topics.ToDictionary(ThemeOf, t => t.Id);

        var shuffled = ThemeCorpus().ToArray();
        new Random(5).Shuffle(shuffled);
        var second = TopicTrainer.Train(shuffled, Small, new TopicTrainingOptions(Previous: labelled));

        Assert.All(second.Match.Topics, t => Assert.False(t.IsNew, $"topic {t.NewIndex} ({string.Join(' ', t.TopWords.Take(3).Select(w => w.Word))}) is new"));
        Assert.Empty(second.Match.Vanished);
        Assert.All(second.Model.Catalog.Topics, t =>
        {
            var theme = ThemeOf(t);
            Assert.Equal(idOfTheme[theme], t.Id);
            Assert.Equal(ThemeLabels[theme], t.Label);
        });
    }

    [Fact]
    public void Label_overrides_win_and_unlabelled_topics_get_labels_from_their_top_words()
    {
        var result = TopicTrainer.Train(ThemeCorpus(), Small, new TopicTrainingOptions(LabelOverrides: new Dictionary<int, string> { [1] = "Named by hand" }));

        var topics = result.Model.Catalog.Topics.OrderBy(t => t.Id).ToArray();
        Assert.Equal([0, 1, 2], topics.Select(t => t.Id));
        Assert.Equal("Named by hand", topics[1].Label);
        var catalog = result.Model.Catalog.Topics;
        var auto = TopicLabels.AutoLabels(catalog.Select(t => t.Id).ToList(), catalog.Select(t => t.TopWords).ToList());
        Assert.Equal(auto[catalog.ToList().FindIndex(t => t.Id == 0)], topics[0].Label);
    }

    [Fact]
    public void Invalid_settings_are_named_by_their_key()
    {
        var problems = new TopicTrainingSettings { Topics = 1, MaxDocumentFraction = 0, Iterations = 5, BurninIterations = 5 }.Problems();

        Assert.Contains(problems, p => p.StartsWith("topics = 1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("max-document-fraction = 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("burnin-iterations = 5", StringComparison.Ordinal));
        Assert.Empty(new TopicTrainingSettings().Problems());
    }
}
