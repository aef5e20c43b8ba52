using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Pipeline.Host.Tests.Deployment;

/// <summary>
/// The shipped docker-compose.yml, read by docker-compose itself (<c>config</c> interpolates the variables and merges
/// the override files exactly as <c>up</c> would): only the service's port leaves the host, and only with the admin
/// token; PostgreSQL stays inside unless the Tableau opt-in puts it on loopback; the nodes run as the writer and form
/// one cluster through seed nodes named by service.
/// </summary>
public sealed class ComposeFileTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string TableauFile = "docker-compose.tableau.yml";

    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "deployment");

    private static readonly string[] Nodes = ["pipeline-1", "pipeline-2", "pipeline-3"];

    /// <summary>Everything the shipped file requires, with values a test can look for.</summary>
    private static Dictionary<string, string?> Required() => new()
    {
        ["POSTGRES_PASSWORD"] = "owner-secret",
        ["PIPELINE_WRITER_PASSWORD"] = "writer-secret",
        ["PIPELINE_ADMIN_TOKEN"] = "admin-token",
        ["PIPELINE_DASHBOARD_PASSWORD"] = "dashboard-secret",
    };

    [Fact]
    public async Task Publishes_no_port_beyond_loopback_except_the_service_port()
    {
        var services = await ConfigAsync(Required(), ComposeFile);

        var published = Ports(services).ToList();
        Assert.Equal([("pipeline-1", "", "8558")], published.Where(p => !IsLoopback(p.HostIp)).Select(p => (p.Service, p.HostIp, p.Target)));
        Assert.DoesNotContain(published, p => p.Service == "postgres");
    }

    [Fact]
    public async Task Tableau_opt_in_publishes_postgres_on_loopback_only()
    {
        var services = await ConfigAsync(Required(), ComposeFile, TableauFile);

        var postgres = Assert.Single(Ports(services), p => p.Service == "postgres");
        Assert.Equal(("127.0.0.1", "5432"), (postgres.HostIp, postgres.Target));
        Assert.Single(Ports(services), p => !IsLoopback(p.HostIp));
    }

    [Theory]
    [InlineData("PIPELINE_ADMIN_TOKEN")]
    [InlineData("PIPELINE_DASHBOARD_PASSWORD")]
    [InlineData("PIPELINE_WRITER_PASSWORD")]
    [InlineData("POSTGRES_PASSWORD")]
    public async Task Refuses_to_start_without_a_required_secret(string variable)
    {
        var environment = Required();
        environment[variable] = null;

        var (exitCode, _, error) = await RunAsync(environment, ["-f", ComposeFile, "config"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(variable, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_node_requires_the_admin_token_it_was_given()
    {
        var services = await ConfigAsync(Required(), ComposeFile);

        Assert.All(Nodes, node =>
        {
            var pipeline = Environment(services, node);
            Assert.Equal("admin-token", pipeline["PIPELINE_ADMIN_TOKEN"]);
            Assert.Equal("dashboard-secret", pipeline["PIPELINE_DASHBOARD_PASSWORD"]);
        });
    }

    [Fact]
    public async Task Nodes_run_as_the_writer_and_only_the_init_step_holds_the_owner_login()
    {
        var services = await ConfigAsync(Required(), ComposeFile);

        Assert.All(Nodes, node =>
        {
            var pipeline = Environment(services, node);
            Assert.Contains("Username=pipeline_writer;Password=writer-secret", pipeline["PIPELINE_DB"], StringComparison.Ordinal);
            Assert.DoesNotContain(pipeline, e => e.Key == "PIPELINE_DB_OWNER" || e.Value.Contains("owner-secret", StringComparison.Ordinal));
            Assert.Equal("service_completed_successfully",
                Scalar(((YamlMappingNode)((YamlMappingNode)Service(services, node)["depends_on"])["migrate"])["condition"]));
        });

        var migrate = Environment(services, "migrate");
        Assert.Contains("Password=owner-secret", migrate["PIPELINE_DB_OWNER"], StringComparison.Ordinal);
        Assert.Equal("migrate", Scalars(Service(services, "migrate")["command"]).Single());
    }

    [Fact]
    public async Task Three_nodes_join_one_cluster_through_seed_nodes_named_by_service()
    {
        var services = await ConfigAsync(Required(), ComposeFile);

        var environments = Nodes.Select(node => Environment(services, node)).ToList();
        Assert.Equal(Nodes, environments.Select(e => e["PIPELINE_CLUSTER_HOST"]));
        Assert.Equal(Nodes, Nodes.Select(node => Scalar(Service(services, node)["hostname"])));
        var seeds = Assert.Single(environments.Select(e => e["PIPELINE_SEED_NODES"]).Distinct());
        var port = Assert.Single(environments.Select(e => e["PIPELINE_CLUSTER_PORT"]).Distinct());
        Assert.All(seeds.Split(','), seed =>
        {
            var address = new Uri(seed);
            Assert.Equal(("akka.tcp", "pipeline", port), (address.Scheme, address.UserInfo, address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Contains(address.Host, Nodes);
        });
        Assert.All(Nodes, node => Assert.Contains("healthz/ready", string.Join(' ', Scalars(((YamlMappingNode)Service(services, node)["healthcheck"])["test"])), StringComparison.Ordinal));
        Assert.DoesNotContain(Ports(services), p => p.Target == port);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("pipeline-1")]
    [InlineData("pipeline-2")]
    [InlineData("pipeline-3")]
    public async Task Long_running_services_restart_unless_stopped(string service)
    {
        var services = await ConfigAsync(Required(), ComposeFile);

        Assert.Equal("unless-stopped", Scalar(Service(services, service)["restart"]));
    }

    [Fact]
    public void Image_runs_the_service_as_a_user_other_than_root()
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, "Dockerfile")).Select(l => l.Trim()).ToList();
        var finalStage = lines.FindLastIndex(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase));
        var user = lines.Skip(finalStage).LastOrDefault(l => l.StartsWith("USER ", StringComparison.OrdinalIgnoreCase));

        Assert.NotNull(user);
        var name = user["USER ".Length..].Trim().Split(':')[0];
        Assert.DoesNotContain(name, new[] { "root", "0" });
    }

    private static bool IsLoopback(string hostIp) => hostIp is "127.0.0.1" or "::1" or "localhost";

    private static IEnumerable<(string Service, string HostIp, string Target)> Ports(YamlMappingNode services)
    {
        foreach (var (name, service) in services.Children)
        {
            if (!((YamlMappingNode)service).Children.TryGetValue(new YamlScalarNode("ports"), out var ports))
            {
                continue;
            }

            foreach (var port in ((YamlSequenceNode)ports).Children)
            {
                var (hostIp, target) = Port(port);
                yield return (Scalar(name), hostIp, target);
            }
        }
    }

    /// <summary>
    /// One published port as (host address, container port): docker-compose v1 prints the short form
    /// <c>[ip:]host:container[/proto]</c> or a mapping without <c>host_ip</c>; v2 always a mapping. No address means every interface.
    /// </summary>
    private static (string HostIp, string Target) Port(YamlNode port)
    {
        if (port is YamlMappingNode mapping)
        {
            var hostIp = mapping.Children.TryGetValue(new YamlScalarNode("host_ip"), out var ip) ? Scalar(ip) : "";
            return (hostIp == "0.0.0.0" ? "" : hostIp, Scalar(mapping["target"]));
        }

        var parts = Scalar(port).Split('/')[0].Split(':');
        return parts.Length switch
        {
            3 => (parts[0] == "0.0.0.0" ? "" : parts[0], parts[2]),
            2 => ("", parts[1]),
            _ => ("", parts[0]),
        };
    }

    private static YamlMappingNode Service(YamlMappingNode services, string name) => (YamlMappingNode)services[name];

    /// <summary>A service's environment, whichever form (list of NAME=value or mapping) the file uses.</summary>
    private static Dictionary<string, string> Environment(YamlMappingNode services, string name) =>
        Service(services, name)["environment"] switch
        {
            YamlMappingNode map => map.Children.ToDictionary(e => Scalar(e.Key), e => Scalar(e.Value)),
            YamlSequenceNode list => list.Children.Select(Scalar).Select(e => e.Split('=', 2)).ToDictionary(e => e[0], e => e.Length > 1 ? e[1] : ""),
            var other => throw new InvalidOperationException($"unexpected environment node {other.NodeType}"),
        };

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    private static IEnumerable<string> Scalars(YamlNode node) =>
        node is YamlSequenceNode list ? list.Children.Select(Scalar) : [Scalar(node)];

    /// <summary>The merged, interpolated <c>services</c> that <c>docker-compose config</c> prints.</summary>
    private static async Task<YamlMappingNode> ConfigAsync(Dictionary<string, string?> environment, params string[] files)
    {
        var (exitCode, output, error) = await RunAsync(environment, [.. files.SelectMany(f => new[] { "-f", f }), "config"]);
        Assert.True(exitCode == 0, $"docker-compose config failed ({exitCode}): {error}");
        var yaml = new YamlStream();
        yaml.Load(new StringReader(output));
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    /// <summary>
    /// Runs docker-compose (v1's <c>docker-compose</c>, else v2's <c>docker compose</c>) in the copied deployment folder, with
    /// exactly <paramref name="environment"/> for the variables the file reads, whatever the test process has.
    /// </summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(Dictionary<string, string?> environment, string[] arguments)
    {
        var (program, prefix) = Compose.Value;
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in prefix.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PIPELINE_", StringComparison.Ordinal) || k.StartsWith("POSTGRES_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment.Where(e => e.Value is not null))
        {
            start.Environment[key] = value;
        }

        start.Environment["COMPOSE_PROJECT_NAME"] = "pipeline-tests";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static readonly Lazy<(string Program, string[] Prefix)> Compose = new(() =>
    {
        if (OnPath("docker-compose") is { } v1)
        {
            return (v1, []);
        }

        if (OnPath("docker") is { } docker && Process.Start(new ProcessStartInfo(docker, "compose version") { RedirectStandardOutput = true, RedirectStandardError = true }) is { } probe)
        {
            probe.WaitForExit();
            if (probe.ExitCode == 0)
            {
                return (docker, ["compose"]);
            }
        }

        throw new InvalidOperationException("docker-compose is not installed: ./test.sh installs Debian's docker-compose package when run as root.");
    });

    private static string? OnPath(string name) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
        .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
