using System.Text.Json.Serialization;

namespace Pipeline.Models.Topics;

/// <summary>One of a topic's heaviest words and its weight in the topic-word distribution.</summary>
public sealed record WeightedWord(string Word, double Weight);

/// <summary>
/// A topic as dashboards see it: a stable <see cref="Id"/> and <see cref="Label"/>, the words that
/// explain it, and the share of documents whose dominant topic it is.
/// </summary>
public sealed record TopicDescription(int Id, string Label, IReadOnlyList<WeightedWord> TopWords, double Share);

/// <summary>
/// The topics of one trained model. <see cref="Topics"/>[i] describes the model's internal topic i
/// (the position in its document-topic vectors); <see cref="TopicDescription.Id"/> is the stable id
/// stored with posts. They differ after a retrain, which is the whole point of keeping both.
/// </summary>
/// <param name="HighestIssuedId">
/// The highest id ever handed out, including topics that have since vanished. Without it a topic
/// that vanished with the highest id would see its id reissued to an unrelated topic at the next
/// retrain, and history stored under that id would silently change meaning.
/// </param>
/// <param name="Decision">The model's own decision rule (calibrated threshold, reassignment); null in catalogs
/// written before calibration existed, which decide with the fixed default threshold.</param>
public sealed record TopicCatalog(
    string ModelVersion,
    IReadOnlyList<TopicDescription> Topics,
    int? HighestIssuedId = null,
    // Left out when null, so a catalog without a rule writes the same file as before.
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] TopicDecisionRule? Decision = null)
{
    public static TopicCatalog Empty { get; } = new("none", []);

    /// <summary>The id the next genuinely new topic gets.</summary>
    public int NextFreshId => Math.Max(HighestIssuedId ?? -1, Topics.Count == 0 ? -1 : Topics.Max(t => t.Id)) + 1;
}
