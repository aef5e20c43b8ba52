using Akka.Configuration;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Settings;

/// <summary>The demo, and the admin verbs' --demo, keep to the demo's own database and diagnostics folder.</summary>
public sealed class DemoStoresTests
{
    [Fact]
    public void Demo_stores_leave_out_every_configured_server_login_and_keep_diagnostics_in_the_demo_folder()
    {
        var config = ConfigurationFactory.ParseString("""
            pipeline.database.connection-string = "Host=db.example;Username=pipeline_writer"
            pipeline.database.owner-connection-string = "Host=db.example;Username=pipeline_owner"
            pipeline.scraping.diagnostics = "/var/lib/pipeline/diagnostics"
            pipeline.demo.folder = "/tmp/demo-stores"
            """).WithFallback(SettingsLoader.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")), _ => null));

        var demo = SettingsLoader.LoadDemo(config).Embedded(SettingsLoader.Load(config));

        Assert.Null(demo.Database.ConnectionString);
        Assert.Null(demo.Database.OwnerConnectionString);
        Assert.Equal(Path.Combine("/tmp/demo-stores", "postgres"), demo.Database.Embedded.DataDirectory);
        Assert.Equal(Path.Combine("/tmp/demo-stores", "diagnostics"), demo.Scraping.Diagnostics);
    }
}
