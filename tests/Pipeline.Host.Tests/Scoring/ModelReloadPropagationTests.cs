using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pipeline.Host.Scoring;

namespace Pipeline.Host.Tests.Scoring;

/// <summary>The pure part of cluster-wide reloads: which request wins, where a folder resolves, what consensus says.</summary>
public sealed class ModelReloadPropagationTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_later_request_supersedes_and_equal_times_are_settled_by_request_id_the_same_way_on_every_node()
    {
        var early = new DesiredModel("b", ModelKind.Topics, "lda-a", At, "node-1");
        var late = early with { RequestId = "a", RequestedAt = At.AddSeconds(1) };
        var tie = early with { RequestId = "c" };

        Assert.True(late.Supersedes(early));
        Assert.False(early.Supersedes(late));
        Assert.True(tie.Supersedes(early));
        Assert.False(early.Supersedes(tie));
        Assert.False(early.Supersedes(early));
        Assert.True(early.Supersedes(null));
    }

    [Fact]
    public void A_folder_travels_relative_to_the_models_root_and_resolves_only_under_the_receiving_nodes_root()
    {
        using var sender = new TempDirectory();
        using var receiver = new TempDirectory();
        Directory.CreateDirectory(sender.Combine("models", "lda-b"));
        Directory.CreateDirectory(receiver.Combine("models", "lda-b"));
        Directory.CreateDirectory(receiver.Combine("elsewhere"));

        var relative = ModelFolders.Relative(sender.Combine("models"), sender.Combine("models", "lda-b"));

        Assert.Equal("lda-b", relative);
        Assert.Equal(receiver.Combine("models", "lda-b"), ModelFolders.Resolve(receiver.Combine("models"), relative!));
        Assert.Null(ModelFolders.Resolve(receiver.Combine("models"), Path.Combine("..", "elsewhere")));
        Assert.Null(ModelFolders.Resolve(receiver.Combine("models"), receiver.Combine("elsewhere")));
        Assert.Null(ModelFolders.Relative(sender.Combine("models"), receiver.Combine("models", "lda-b")));
    }

    [Fact]
    public void A_link_under_the_root_that_leads_out_of_it_is_not_resolved()
    {
        using var folder = new TempDirectory();
        Directory.CreateDirectory(folder.Combine("models"));
        Directory.CreateDirectory(folder.Combine("secret"));
        Directory.CreateSymbolicLink(folder.Combine("models", "link"), folder.Combine("secret"));

        Assert.Null(ModelFolders.Resolve(folder.Combine("models"), "link"));
    }

    [Fact]
    public void Consensus_is_healthy_when_every_member_runs_the_same_versions()
    {
        var result = ModelConsensus.Evaluate(["n1", "n2"], new Dictionary<string, NodeModels>
        {
            ["n1"] = Node("n1", "lda-a", "s1"),
            ["n2"] = Node("n2", "lda-a", "s1"),
        });

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("2 node(s)", result.Description);
    }

    [Fact]
    public void Consensus_is_degraded_not_unhealthy_with_each_nodes_versions_when_they_differ()
    {
        var result = ModelConsensus.Evaluate(["n1", "n2"], new Dictionary<string, NodeModels>
        {
            ["n1"] = Node("n1", "lda-a", "s1"),
            ["n2"] = Node("n2", "lda-b", "s1"),
        });

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("topics differs: lda-a, lda-b", result.Description);
        var nodes = (Dictionary<string, Dictionary<string, string>>)result.Data["nodes"];
        Assert.Equal("lda-b", nodes["n2"]["topics"]);
        Assert.Equal("s1", nodes["n2"]["sentiment"]);
    }

    [Fact]
    public void Consensus_is_degraded_while_a_member_has_not_reported_and_ignores_a_stage_disabled_everywhere()
    {
        var result = ModelConsensus.Evaluate(["n1", "n2"], new Dictionary<string, NodeModels>
        {
            ["n1"] = new("n1", null, new NodeModelState("s1", null)),
        });

        Assert.Equal(HealthStatus.Degraded, result.Status);
        Assert.Equal("no versions yet from n2", result.Description);
        Assert.Equal(["n2"], (List<string>)result.Data["notReported"]);
    }

    [Fact]
    public void A_report_lists_this_nodes_outcome_the_others_answers_and_who_did_not_answer()
    {
        var answers = new Dictionary<string, NodeReloadOutcome>
        {
            ["n1"] = new("n1", NodeReloadResult.Switched, "v2", "v1"),
            ["n3"] = new("n3", NodeReloadResult.Rejected, "v1", Error: "not a model"),
        };

        var report = ClusterReloadReport.Collate("n1", ["n1", "n2", "n3"], answers);

        Assert.Equal("v2", report.Self.Version);
        Assert.Equal("n3", Assert.Single(report.Others).Node);
        Assert.Equal(["n2"], report.NotAnswered);
    }

    [Fact]
    public void The_shipped_settings_wait_ten_seconds_for_answers_and_publish_versions_every_two()
    {
        var config = Pipeline.Host.Settings.SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null);

        var settings = ModelReloadPropagationSettings.Load(config);

        Assert.Equal(TimeSpan.FromSeconds(10), settings.AckTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.VersionsInterval);
    }

    [Theory]
    [InlineData("ack-timeout = 0s", "pipeline.model-reloads.ack-timeout")]
    [InlineData("versions-interval = 1h", "pipeline.model-reloads.versions-interval")]
    [InlineData("ack-timeout = soon", "pipeline.model-reloads.ack-timeout")]
    public void A_bad_propagation_setting_stops_start_up_naming_it(string hocon, string setting)
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString("pipeline.model-reloads { " + hocon + " }");

        var error = Assert.Throws<Pipeline.Host.Settings.SettingsException>(() => ModelReloadPropagationSettings.Load(config));

        Assert.Contains(setting, error.Message);
    }

    private static NodeModels Node(string node, string topics, string sentiment) =>
        new(node, new NodeModelState(topics, null), new NodeModelState(sentiment, null));
}
