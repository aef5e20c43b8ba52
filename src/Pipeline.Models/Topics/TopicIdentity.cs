using System.Globalization;

namespace Pipeline.Models.Topics;

/// <param name="MinSimilarity">Below this a previous and a new topic are different topics, however the assignment pairs them.</param>
/// <param name="TopN">How many of each topic's heaviest words the similarity looks at.</param>
/// <param name="LabelOverrides">Labels by id that win over both inherited and automatic labels (the labels file).</param>
public sealed record MatchOptions(double MinSimilarity = 0.2, int TopN = 10, IReadOnlyDictionary<int, string>? LabelOverrides = null)
{
    public static MatchOptions Default { get; } = new();
}

/// <summary>A topic of the new model with the identity it keeps or receives.</summary>
/// <param name="NewIndex">The topic's position in the new model.</param>
/// <param name="Similarity">Similarity to the previous topic it took over; null for a new topic.</param>
public sealed record MatchedTopic(int NewIndex, int Id, string Label, bool IsNew, double? Similarity, IReadOnlyList<WeightedWord> TopWords);

public enum TopicMatchStatus
{
    Matched,
    New,
    Vanished,
}

/// <summary>One printable line of the retrain report.</summary>
public sealed record TopicTableRow(int? NewIndex, int Id, string Label, double? Similarity, TopicMatchStatus Status)
{
    public static IReadOnlyList<string> Headers { get; } = ["new #", "id", "label", "similarity", "status"];

    public IReadOnlyList<string> Cells() =>
    [
        NewIndex?.ToString(CultureInfo.InvariantCulture) ?? "-",
        Id.ToString(CultureInfo.InvariantCulture),
        Label,
        Similarity?.ToString("0.000", CultureInfo.InvariantCulture) ?? "-",
        Status.ToString().ToLowerInvariant(),
    ];
}

public sealed record TopicMatchResult(IReadOnlyList<MatchedTopic> Topics, IReadOnlyList<TopicDescription> Vanished, int HighestIssuedId)
{
    /// <summary>The new topics in model order, then the vanished ones.</summary>
    public IReadOnlyList<TopicTableRow> ToTable() =>
        Topics.Select(t => new TopicTableRow(t.NewIndex, t.Id, t.Label, t.Similarity,
                t.IsNew ? TopicMatchStatus.New : TopicMatchStatus.Matched))
            .Concat(Vanished.Select(v => new TopicTableRow(null, v.Id, v.Label, null, TopicMatchStatus.Vanished)))
            .ToList();

    /// <summary>The catalog to save with the new model; <paramref name="shares"/> is indexed like the new topics.</summary>
    public TopicCatalog ToCatalog(string modelVersion, IReadOnlyList<double> shares)
    {
        if (shares.Count != Topics.Count)
            throw new ArgumentException($"Expected {Topics.Count} shares, one per new topic, got {shares.Count}.", nameof(shares));
        return new TopicCatalog(modelVersion,
            Topics.Select(t => new TopicDescription(t.Id, t.Label, t.TopWords, shares[t.NewIndex])).ToList(),
            HighestIssuedId);
    }
}

/// <summary>Carries topic ids and labels over a retrain so dashboards built on them keep their meaning.</summary>
public static class TopicIdentity
{
    public static TopicMatchResult Match(TopicCatalog previous, IReadOnlyList<IReadOnlyList<WeightedWord>> newTopics, MatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(newTopics);
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.MinSimilarity is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), $"MinSimilarity must be within [0, 1], got {options.MinSimilarity}.");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TopN, 1, nameof(options));

        var old = previous.Topics;
        var similarity = new double[old.Count, newTopics.Count];
        var profit = new double[old.Count, newTopics.Count];
        for (var i = 0; i < old.Count; i++)
        {
            for (var j = 0; j < newTopics.Count; j++)
            {
                similarity[i, j] = TopicSimilarity.WeightedJaccard(old[i].TopWords, newTopics[j], options.TopN);
                // Pairs under the minimum count for nothing, so the assignment maximises the similarity
                // of the matches that will be kept instead of spending a topic on a pair that gets dropped.
                profit[i, j] = similarity[i, j] >= options.MinSimilarity ? similarity[i, j] : 0.0;
            }
        }

        var assignment = Hungarian.Maximise(profit);
        var previousOfNew = Enumerable.Repeat(-1, newTopics.Count).ToArray();
        for (var i = 0; i < old.Count; i++)
        {
            var j = assignment[i];
            if (j >= 0 && similarity[i, j] >= options.MinSimilarity)
                previousOfNew[j] = i;
        }

        var overrides = options.LabelOverrides ?? new Dictionary<int, string>();
        var nextId = previous.NextFreshId;
        var ids = previousOfNew.Select(i => i >= 0 ? old[i].Id : nextId++).ToList();
        var autoLabels = TopicLabels.AutoLabels(ids, newTopics);
        var topics = new List<MatchedTopic>(newTopics.Count);
        for (var j = 0; j < newTopics.Count; j++)
        {
            var i = previousOfNew[j];
            var matched = i >= 0;
            var id = ids[j];
            var label = overrides.TryGetValue(id, out var manual) ? manual
                : matched ? old[i].Label
                : autoLabels[j];
            topics.Add(new MatchedTopic(j, id, label, !matched, matched ? similarity[i, j] : null, newTopics[j]));
        }

        var taken = previousOfNew.Where(i => i >= 0).ToHashSet();
        var vanished = old.Where((_, i) => !taken.Contains(i)).ToList();
        return new TopicMatchResult(topics, vanished, nextId - 1);
    }
}
