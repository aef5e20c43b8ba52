using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Http;

namespace Pipeline.Host.Scoring;

/// <summary>The models a reload can switch, as named on the wire between nodes.</summary>
public enum ModelKind
{
    Topics,
    Sentiment,
}

/// <summary>
/// The model the cluster should run for one kind: what an admin asked for last. Compared last-writer-wins on
/// (<see cref="RequestedAt"/>, <see cref="RequestId"/>), so every node settles on the same one whatever order it hears them in.
/// </summary>
/// <param name="Folder">Relative to the models root (each node resolves it under its own); null: each node's configured folder.</param>
/// <param name="RequestedBy">The node whose endpoint took the request.</param>
public sealed record DesiredModel(string RequestId, ModelKind Kind, string? Folder, DateTimeOffset RequestedAt, string RequestedBy)
{
    public bool Supersedes(DesiredModel? other) =>
        other is null
        || RequestedAt > other.RequestedAt
        || (RequestedAt == other.RequestedAt && string.CompareOrdinal(RequestId, other.RequestId) > 0);
}

/// <summary>How a reload went on one node.</summary>
public enum NodeReloadResult
{
    Switched,
    Rejected,
    NotPublished,
}

/// <summary>One node's answer to a reload: what it runs now, and why not the asked-for model when it refused it.</summary>
/// <param name="Path">The folder it loaded (its own disk), for the node that took the request only.</param>
public sealed record NodeReloadOutcome(
    string Node, NodeReloadResult Result, string Version, string? PreviousVersion = null, string? Path = null, DateTimeOffset? LoadedAt = null, string? Error = null)
{
    public static NodeReloadOutcome From(string node, ModelReloadOutcome outcome) => outcome switch
    {
        ModelReloadOutcome.Switched s => new(node, NodeReloadResult.Switched, s.Version, s.PreviousVersion, s.Path, s.LoadedAt),
        ModelReloadOutcome.Rejected r => new(node, NodeReloadResult.Rejected, r.CurrentVersion, Error: r.Reason),
        ModelReloadOutcome.NotPublished n => new(node, NodeReloadResult.NotPublished, n.CurrentVersion, Error: n.Reason),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}

/// <summary>
/// What a reload came to across the cluster: this node's outcome (the HTTP status follows it alone), the other
/// members' answers within the acknowledgement timeout, and the members that did not answer in time.
/// </summary>
public sealed record ClusterReloadReport(NodeReloadOutcome Self, IReadOnlyList<NodeReloadOutcome> Others, IReadOnlyList<string> NotAnswered)
{
    /// <param name="expected">The members that were Up when the request was published, this node included.</param>
    public static ClusterReloadReport Collate(string self, IReadOnlyCollection<string> expected, IReadOnlyDictionary<string, NodeReloadOutcome> answers) =>
        new(answers[self],
            [.. answers.Values.Where(a => a.Node != self).OrderBy(a => a.Node, StringComparer.Ordinal)],
            [.. expected.Where(n => n != self && !answers.ContainsKey(n)).Order(StringComparer.Ordinal)]);
}

/// <summary>A model kind as one node runs it: the version in use and the last desired model it adopted.</summary>
public sealed record NodeModelState(string Version, DesiredModel? Desired);

/// <summary>What one node runs, gossiped to all: feeds <c>model-consensus</c> and lets a node that missed a reload catch up.</summary>
/// <param name="Topics">Null when the stage is disabled on that node.</param>
public sealed record NodeModels(string Node, NodeModelState? Topics, NodeModelState? Sentiment)
{
    public NodeModelState? this[ModelKind kind] => kind == ModelKind.Topics ? Topics : Sentiment;
}

/// <summary>Folders as they travel between nodes: relative to the models root, resolved by each node under its own.</summary>
public static class ModelFolders
{
    /// <summary>The folder relative to the (real) models root; null when it is not under it.</summary>
    public static string? Relative(string modelsRoot, string resolvedFolder) =>
        HttpAccessRules.RealPath(modelsRoot) is { } root && HttpAccessRules.UnderRoot(root, resolvedFolder) is { } real
            ? Path.GetRelativePath(root, real)
            : null;

    /// <summary>
    /// The folder under this node's models root, with the endpoint's confinement (links followed, <c>..</c> taken):
    /// null when it leaves the root, so a node never loads from outside its own, whatever another node sent.
    /// </summary>
    public static string? Resolve(string modelsRoot, string relative) =>
        Path.IsPathRooted(relative) || HttpAccessRules.RealPath(modelsRoot) is not { } root
            ? null
            : HttpAccessRules.UnderRoot(root, Path.Combine(root, relative));
}

/// <summary>Whether the cluster runs one version per model: the <c>model-consensus</c> readiness check.</summary>
public static class ModelConsensus
{
    /// <summary>
    /// Healthy when every member reported and all run the same version of each model; else Degraded, never
    /// Unhealthy: every node's readiness would fail at once during a rolling model change, and a probe or load
    /// balancer would take the whole cluster out of service although each node scores fine with the model it has.
    /// </summary>
    /// <param name="members">The Up members (this node included).</param>
    public static HealthCheckResult Evaluate(IReadOnlyCollection<string> members, IReadOnlyDictionary<string, NodeModels> reports)
    {
        var nodes = members.Order(StringComparer.Ordinal).ToList();
        var known = nodes.Where(reports.ContainsKey).Select(n => reports[n]).ToList();
        var data = new Dictionary<string, object>
        {
            ["nodes"] = known.ToDictionary(r => r.Node, r => Versions(r)),
        };
        var problems = new List<string>();
        foreach (var kind in Enum.GetValues<ModelKind>())
        {
            var versions = known.Select(r => r[kind]?.Version).Where(v => v is not null).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (versions.Count > 1)
            {
                problems.Add($"{Name(kind)} differs: {string.Join(", ", versions)}");
            }
        }

        var missing = nodes.Where(n => !reports.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            data["notReported"] = missing;
            problems.Add($"no versions yet from {string.Join(", ", missing)}");
        }

        return problems.Count == 0
            ? HealthCheckResult.Healthy($"{nodes.Count} node(s) on one version per model", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data);
    }

    public static string Name(ModelKind kind) => kind == ModelKind.Topics ? "topics" : "sentiment";

    private static Dictionary<string, string> Versions(NodeModels node)
    {
        var versions = new Dictionary<string, string>();
        foreach (var kind in Enum.GetValues<ModelKind>())
        {
            if (node[kind] is { } state)
            {
                versions[Name(kind)] = state.Version;
            }
        }

        return versions;
    }
}
