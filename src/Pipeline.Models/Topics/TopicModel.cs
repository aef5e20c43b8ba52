namespace Pipeline.Models.Topics;

/// <summary>
/// A trained topic model as the pipeline uses it: the LDA chain that turns tokens into a topic
/// distribution, and the catalog that gives each internal topic its stable id and label.
/// A model folder holds <c>model.zip</c> (the ML.NET chain) and <c>topics.json</c> (the catalog).
/// </summary>
public sealed class TopicModel
{
    public const string ModelFileName = "model.zip";

    private readonly TopicWordOverlap _overlap;

    /// <param name="threshold">Overrides the catalog's own threshold; null: the catalog's calibrated one, or
    /// <see cref="TopicDecision.DefaultThreshold"/> for a catalog that has none. Reassignment follows the catalog either way.</param>
    public TopicModel(LdaModel lda, TopicCatalog catalog, double? threshold = null)
    {
        ArgumentNullException.ThrowIfNull(lda);
        ArgumentNullException.ThrowIfNull(catalog);
        if (lda.Topics.Count != catalog.Topics.Count)
            throw new ArgumentException($"The model has {lda.Topics.Count} topics but catalog {catalog.ModelVersion} describes {catalog.Topics.Count}.", nameof(catalog));
        if (threshold is < 0 or > 1 || (threshold is { } given && double.IsNaN(given)))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The Unclassified threshold is a probability between 0 and 1.");
        Lda = lda;
        Catalog = catalog;
        Threshold = threshold ?? catalog.Decision?.Threshold ?? TopicDecision.DefaultThreshold;
        ReassignMinShare = catalog.Decision?.ReassignMinShare;
        _overlap = new TopicWordOverlap(catalog);
    }


    public LdaModel Lda { get; }

    public TopicCatalog Catalog { get; }

    public double Threshold { get; }

    /// <summary>Null: posts below the threshold stay Unclassified; else see <see cref="TopicDecision.Reassign"/>.</summary>
    public double? ReassignMinShare { get; }

    public string Version => Catalog.ModelVersion;

    /// <summary>
    /// Scores a batch of token lists (the cleaning stage's <c>TopicTokens</c>), in order: each post's stored
    /// assignment with the full distribution it was decided from (all zeros when no token was known).
    /// </summary>
    public IReadOnlyList<Pipeline.Models.Domain.TopicAssignment> Classify(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0)
            return [];
        var distributions = Lda.InferBatch(documents);
        var scores = new Pipeline.Models.Domain.TopicAssignment[distributions.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            var distribution = distributions[i];
            // The chain gives a document without a single known token an all-zero vector.
            var decision = TopicDecision.Reassign(
                TopicDecision.Decide(distribution, hasKnownToken: distribution.Any(p => p > 0), Threshold),
                documents[i], _overlap, ReassignMinShare);
            scores[i] = decision.ToAssignment(Catalog) with { Distribution = distribution };
        }

        return scores;
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        using (var stream = File.Create(Path.Combine(directory, ModelFileName)))
        {
            Lda.Save(stream);
        }

        TopicCatalogJson.Write(Path.Combine(directory, TopicCatalogJson.FileName), Catalog);
    }

    /// <summary>Loads a model folder; a missing or unreadable part is named in the error.</summary>
    /// <param name="threshold">Null: the model's own (calibrated) threshold, 0.4 for models without one.</param>
    /// <exception cref="InvalidDataException">The folder is not a usable topic model.</exception>
    public static TopicModel Load(string directory, double? threshold = null)
    {
        var missing = new[] { ModelFileName, TopicCatalogJson.FileName }
            .Where(f => !File.Exists(Path.Combine(directory, f)))
            .ToList();
        if (!Directory.Exists(directory) || missing.Count > 0)
            throw new InvalidDataException(
                $"'{Path.GetFullPath(directory)}' is not a topic model folder: missing {(Directory.Exists(directory) ? string.Join(", ", missing) : "the folder itself")}.");

        var catalog = TopicCatalogJson.Read(Path.Combine(directory, TopicCatalogJson.FileName));
        var topics = catalog.Topics
            .Select((t, i) => new LdaTopic(i, t.TopWords.Select(w => w.Word).ToArray(), t.TopWords.Select(w => (float)w.Weight).ToArray(), t.Share))
            .ToList();
        try
        {
            using var stream = File.OpenRead(Path.Combine(directory, ModelFileName));
            return new TopicModel(LdaModel.Load(stream, topics, new LdaSettings { NumberOfTopics = topics.Count }), catalog, threshold);
        }
        catch (Exception e) when (e is not InvalidDataException and not ArgumentException)
        {
            throw new InvalidDataException($"{Path.Combine(directory, ModelFileName)}: cannot be read as an ML.NET topic model ({e.Message}).", e);
        }
    }
}
