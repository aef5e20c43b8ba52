using Pipeline.Actors.Storage;

namespace Pipeline.Actors.Tests.Storage;

public sealed class RoleNameTests
{
    [Fact]
    public void Distinct_plain_names_that_are_not_the_owner_are_accepted()
    {
        Assert.Null(new DatabaseRoles("pipeline_writer", "tableau").Problem(owner: "pipeline"));
    }

    [Theory]
    [InlineData("pipeline", "tableau", "pipeline.database.writer-user = \"pipeline\" is the login that owns the schema and runs migrations; it would lose its rights. Choose another name.")]
    [InlineData("pipeline_writer", "pipeline", "pipeline.database.reporting-user = \"pipeline\" is the login that owns the schema and runs migrations; it would lose its rights. Choose another name.")]
    [InlineData("tableau", "tableau", "pipeline.database.reporting-user = \"tableau\" is also pipeline.database.writer-user: the read-only login cannot be the writer. Choose another name.")]
    [InlineData("Writer", "tableau", "pipeline.database.writer-user = \"Writer\": must be a plain lower-case identifier (a letter or _, then letters, digits or _; at most 63).")]
    [InlineData("pipeline_writer", "tab;leau", "pipeline.database.reporting-user = \"tab;leau\": must be a plain lower-case identifier (a letter or _, then letters, digits or _; at most 63).")]
    [InlineData("postgres", "tableau", "pipeline.database.writer-user = \"postgres\": 'postgres' is reserved (a built-in role or the reporting group); choose another name.")]
    [InlineData("pipeline_writer", "pipeline_reporting", "pipeline.database.reporting-user = \"pipeline_reporting\": 'pipeline_reporting' is reserved (a built-in role or the reporting group); choose another name.")]
    [InlineData("pg_monitor", "tableau", "pipeline.database.writer-user = \"pg_monitor\": 'pg_monitor' is reserved (a built-in role or the reporting group); choose another name.")]
    public void Unusable_role_names_are_refused_with_the_setting_named(string writer, string reporting, string message)
    {
        var roles = new DatabaseRoles(writer, reporting);

        Assert.Equal(message, roles.Problem(owner: "pipeline"));
        Assert.Equal(message, Assert.Throws<RoleNameException>(() => roles.Validate(owner: "pipeline")).Message);
    }
}
