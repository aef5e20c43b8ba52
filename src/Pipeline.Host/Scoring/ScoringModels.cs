using Akka;
using Akka.Streams.Dsl;
using Pipeline.Actors.Graph;
using Pipeline.Host.Settings;
using Pipeline.Models.Sentiment;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Scoring;

/// <summary>
/// The models the scoring stages use, loaded at start-up from <c>pipeline.topics</c> and
/// <c>pipeline.sentiment</c>; each sits in a <see cref="ModelSlot{T}"/> so it can be replaced while
/// the graph runs. A disabled stage has no slot.
/// </summary>
public sealed class ScoringModels : IDisposable
{
    private ScoringModels(TopicSettings topicSettings, SentimentSettings sentimentSettings,
        ModelSlot<TopicModel>? topics, ModelSlot<SentimentScorerPool>? sentiment, Func<SentimentSettings, ISentimentScorer> sentimentScorers)
    {
        SentimentFactory = sentimentScorers;
        TopicSettings = topicSettings;
        SentimentSettings = sentimentSettings;
        Topics = topics;
        Sentiment = sentiment;
    }

    public TopicSettings TopicSettings { get; }

    public SentimentSettings SentimentSettings { get; }

    public ModelSlot<TopicModel>? Topics { get; }

    public ModelSlot<SentimentScorerPool>? Sentiment { get; }

    /// <summary>How the sentiment scorers were made: a reload makes the next ones the same way.</summary>
    public Func<SentimentSettings, ISentimentScorer> SentimentFactory { get; }

    /// <summary>Loads what the settings enable; a folder that is not a usable model stops start-up naming the setting.</summary>
    /// <exception cref="SettingsException">A model cannot be loaded.</exception>
    public static ScoringModels Load(PipelineSettings settings, Func<SentimentSettings, ISentimentScorer> sentimentScorers)
    {
        var topics = settings.Topics.Enabled
            ? new ModelSlot<TopicModel>(LoadTopics(settings.Topics.ModelDirectory, settings.Topics.Threshold))
            : null;
        var sentiment = settings.Sentiment.Enabled
            ? new ModelSlot<SentimentScorerPool>(LoadSentiment(settings.Sentiment, sentimentScorers))
            : null;
        return new ScoringModels(settings.Topics, settings.Sentiment, topics, sentiment, sentimentScorers);
    }

    /// <exception cref="SettingsException">The folder is missing or not a topic model.</exception>
    /// <param name="threshold">Null: the model's own threshold (<c>pipeline.topics.threshold = auto</c>).</param>
    public static LoadedModel<TopicModel> LoadTopics(string directory, double? threshold)
    {
        try
        {
            var model = TopicModel.Load(directory, threshold);
            return new LoadedModel<TopicModel>(model, model.Version, DateTimeOffset.UtcNow, Path.GetFullPath(directory));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ArgumentException or System.Text.Json.JsonException)
        {
            throw new SettingsException(
            [
                $"pipeline.topics.model-dir = \"{directory}\": {e.Message} Train one with `pipeline train-topics`, point model-dir at one, or set pipeline.topics.enabled = off",
            ]);
        }
    }

    /// <summary>The stage's scorers: one shared by all lanes when thread-safe, else one per lane.</summary>
    /// <exception cref="SettingsException">The folder is missing or not a model of the configured kind.</exception>
    public static LoadedModel<SentimentScorerPool> LoadSentiment(SentimentSettings settings, Func<SentimentSettings, ISentimentScorer> create)
    {
        try
        {
            var pool = SentimentScorerPool.Create(settings.Stage.Parallelism, () => create(settings));
            return new LoadedModel<SentimentScorerPool>(pool, pool.ModelVersion, DateTimeOffset.UtcNow, Path.GetFullPath(settings.ModelDirectory));
        }
        catch (Exception e) when (e is not SettingsException)
        {
            throw new SettingsException(
            [
                $"pipeline.sentiment (scorer = {SentimentScorers.Name(settings.Scorer)}, model-dir = \"{settings.ModelDirectory}\"): cannot load the scorer: {e.Message}",
            ]);
        }
    }

    /// <summary>The graph's scoring stages in order: topic, then sentiment; a disabled one is left out.</summary>
    public IReadOnlyList<Flow<PipelineItem, PipelineItem, NotUsed>> Stages(PipelineCounters counters)
    {
        var stages = new List<Flow<PipelineItem, PipelineItem, NotUsed>>();
        if (Topics is not null)
        {
            stages.Add(TopicStage.Create(Topics, TopicSettings.Stage, counters));
        }

        if (Sentiment is not null)
        {
            stages.Add(SentimentStage.Create(Sentiment, SentimentSettings.Stage, counters));
        }

        return stages;
    }

    /// <summary>Retires the sentiment scorers: disposed now, or when the last batch holding them finishes.</summary>
    public void Dispose() => Sentiment?.Dispose();
}
