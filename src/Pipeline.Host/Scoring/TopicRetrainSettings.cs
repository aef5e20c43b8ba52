using Pipeline.Models.Topics;

namespace Pipeline.Host.Scoring;

/// <summary><c>pipeline.topics.retrain</c>: when the service retrains its topic model on recent posts, and when it may swap it in.</summary>
/// <param name="Interval">Least time between two runs (whatever their outcome).</param>
/// <param name="CheckEvery">How often the job looks whether a run is due: a run starts at most this late.</param>
/// <param name="MinNewPosts">Posts stored since the last run needed before another is worth it.</param>
/// <param name="Window">How far back (by post time) the texts are read.</param>
/// <param name="MaxPosts">At most this many texts, newest first.</param>
/// <param name="Rescore">After a swap, re-score the window's posts with the new model (the dashboards then show the new topics for them).</param>
/// <param name="OutputDirectory">Relative to <c>pipeline.http.models-root</c>: accepted models go to <c>{models-root}/{output-dir}/{version}</c>.</param>
/// <param name="FirstCheckAfter">How long after start-up the first check runs (the start-up restore of the latest retrained model does not wait).</param>
/// <param name="Training">How the candidate is trained: <c>pipeline.topics.training</c>.</param>
public sealed record TopicRetrainSettings(
    bool Enabled,
    TimeSpan Interval,
    TimeSpan CheckEvery,
    int MinNewPosts,
    TimeSpan Window,
    int MaxPosts,
    TopicRetrainGate Gate,
    bool Rescore,
    string OutputDirectory,
    TimeSpan FirstCheckAfter,
    TopicTrainingSettings Training)
{
    public static TopicRetrainSettings Disabled { get; } = new(
        false, TimeSpan.FromDays(1), TimeSpan.FromMinutes(10), 2000, TimeSpan.FromDays(28), 50_000, new TopicRetrainGate(), true, "retrained", TimeSpan.FromMinutes(1),
        new TopicTrainingSettings());
}
