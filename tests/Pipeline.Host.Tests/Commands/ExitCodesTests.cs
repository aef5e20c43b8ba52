using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Commands;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Tests.Commands;

public sealed class ExitCodesTests
{
    [Fact]
    public void Each_expected_failure_maps_to_its_exit_code_and_one_line()
    {
        var settings = ExitCodes.For(new SettingsException(["pipeline.http.port = 0: must be between 1 and 65535"]));
        Assert.Equal(ExitCodes.InvalidSettings, settings?.Code);
        Assert.EndsWith("  pipeline.http.port = 0: must be between 1 and 65535", settings?.Message);
        Assert.Equal(ExitCodes.BadInput, ExitCodes.For(new PostFileException("posts.csv", 3, "unclosed quote"))?.Code);
        Assert.Equal(ExitCodes.DatabaseUnavailable,
            ExitCodes.For(new SinkUnavailableException("the database stayed away", new TimeoutException()))?.Code);
        Assert.Equal((ExitCodes.DatabaseUnavailable, "database error: connection refused"),
            ExitCodes.For(new Npgsql.NpgsqlException("connection refused")));
    }

    [Fact]
    public void A_management_port_in_use_as_kestrel_reports_it_names_the_port_setting_instead_of_a_stack_trace()
    {
        var bind = new IOException("Failed to bind to address http://127.0.0.1:8558: address already in use.",
            new Microsoft.AspNetCore.Connections.AddressInUseException("Address already in use"));

        var failure = ExitCodes.For(bind);

        Assert.Equal(ExitCodes.InvalidSettings, failure?.Code);
        Assert.Contains("pipeline.http.port", failure?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unexpected_exception_is_not_mapped_so_it_surfaces_as_a_bug()
    {
        Assert.Null(ExitCodes.For(new InvalidOperationException("a bug")));
        Assert.Null(ExitCodes.For(new NullReferenceException()));
        Assert.Null(ExitCodes.For(new IOException("disk full", new InvalidOperationException("a bug"))));
    }
}
