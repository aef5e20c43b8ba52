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

    /// <param name="threshold">Null: the catalog's own rule (<see cref="TopicCatalog.Decision"/>: calibrated threshold on the
    /// posterior mean, then reassignment), or the fixed rule for a catalog without one. A number: the fixed rule of
    /// models before calibration with that threshold (the sampler's raw share, no reassignment), so a configured
    /// number means what it always meant.</param>
    /// <param name="wordWeights">Each topic's longer word list for reassignment (<see cref="TopicWordWeights"/>); null: the catalog's top words.</param>
    public TopicModel(LdaModel lda, TopicCatalog catalog, double? threshold = null, IReadOnlyList<IReadOnlyList<WeightedWord>>? wordWeights = null)
    {
        ArgumentNullException.ThrowIfNull(lda);
        ArgumentNullException.ThrowIfNull(catalog);
        if (lda.Topics.Count != catalog.Topics.Count)
            throw new ArgumentException($"The model has {lda.Topics.Count} topics but catalog {catalog.ModelVersion} describes {catalog.Topics.Count}.", nameof(catalog));
        if (threshold is < 0 or > 1 || (threshold is { } given && double.IsNaN(given)))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The Unclassified threshold is a probability between 0 and 1.");
        Lda = lda;
        Catalog = catalog;
        var rule = threshold is { } fixedThreshold ? TopicDecisionRule.Legacy with { Threshold = fixedThreshold } : catalog.Decision ?? TopicDecisionRule.Legacy;
        Threshold = rule.Threshold;
        ReassignMinShare = rule.ReassignMinShare;
        PriorAlpha = rule.PriorAlpha;
        if (wordWeights is not null && wordWeights.Count != catalog.Topics.Count)
            throw new ArgumentException($"The word weights describe {wordWeights.Count} topics, the model has {catalog.Topics.Count}.", nameof(wordWeights));
        WordWeights = wordWeights;
        _overlap = wordWeights is null ? new TopicWordOverlap(catalog) : new TopicWordOverlap(wordWeights);
    }

    /// <summary>The longer word lists reassignment uses; null: it uses the catalog's top words.</summary>
    public IReadOnlyList<IReadOnlyList<WeightedWord>>? WordWeights { get; }


    public LdaModel Lda { get; }

    public TopicCatalog Catalog { get; }

    public double Threshold { get; }

    /// <summary>Null: posts below the threshold stay Unclassified; else see <see cref="TopicDecision.Reassign"/>.</summary>
    public double? ReassignMinShare { get; }

    /// <summary>Null: the threshold applies to the sampler's raw shares; else to <see cref="TopicDecision.Smoothed"/>.</summary>
    public double? PriorAlpha { get; }

    public string Version => Catalog.ModelVersion;

    /// <summary>
    /// Scores a batch of token lists (the cleaning stage's <c>TopicTokens</c>), in order: each post's stored
    /// assignment with the full distribution it was decided from (all zeros when no token was known).
    /// </summary>
    public IReadOnlyList<Pipeline.Models.Domain.TopicAssignment> Classify(IReadOnlyList<IReadOnlyList<string>> documents) =>
        Decide(documents).Select(d => d.Decision.ToAssignment(Catalog) with { Distribution = d.Distribution }).ToArray();

    /// <summary>
    /// The decision behind each assignment, in order, with the sampler's topic vector: tells a
    /// <see cref="TopicDecision.Reassigned"/> post from a classified one, which the stored row does not.
    /// </summary>
    public IReadOnlyList<(TopicDecision Decision, float[] Distribution)> Decide(IReadOnlyList<IReadOnlyList<string>> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Count == 0)
            return [];
        var distributions = Lda.InferBatch(documents);
        var decisions = new (TopicDecision, float[])[distributions.Count];
        for (var i = 0; i < decisions.Length; i++)
        {
            var distribution = distributions[i];
            // The chain gives a document without a single known token an all-zero vector.
            var hasKnownToken = distribution.Any(p => p > 0);
            IReadOnlyList<float> basis = hasKnownToken && PriorAlpha is { } alpha
                ? Array.ConvertAll(TopicDecision.Smoothed(distribution, Lda.KnownTokens(documents[i]), alpha), p => (float)p)
                : distribution;
            var decision = TopicDecision.Reassign(
                TopicDecision.Decide(basis, hasKnownToken, Threshold), documents[i], _overlap, ReassignMinShare);
            decisions[i] = (decision, distribution);
        }

        return decisions;
    }

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        using (var stream = File.Create(Path.Combine(directory, ModelFileName)))
        {
            Lda.Save(stream);
        }

        TopicCatalogJson.Write(Path.Combine(directory, TopicCatalogJson.FileName), Catalog);
        if (WordWeights is not null)
        {
            TopicWordWeights.Write(Path.Combine(directory, TopicWordWeights.FileName), WordWeights);
        }
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
            var lda = LdaModel.Load(stream, topics, new LdaSettings { NumberOfTopics = topics.Count });
            var weightsPath = Path.Combine(directory, TopicWordWeights.FileName);
            var weights = File.Exists(weightsPath) ? TopicWordWeights.Read(weightsPath, topics.Count) : null;
            return new TopicModel(lda, catalog, threshold, weights);
        }
        catch (Exception e) when (e is not InvalidDataException and not ArgumentException)
        {
            throw new InvalidDataException($"{Path.Combine(directory, ModelFileName)}: cannot be read as an ML.NET topic model ({e.Message}).", e);
        }
    }
}
