using System.Text.RegularExpressions;
using System.Xml.Linq;
using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Tests.Tableau;

/// <summary>
/// tableau/pipeline.tds and pipeline.twb are hand-written Tableau XML: they must parse, connect live to PostgreSQL as
/// the read-only login, and name only views and columns that the migrated schema has.
/// </summary>
public sealed partial class TableauFilesTests(PostgresFixture postgres)
{
    private static readonly string[] Files = ["pipeline.tds", "pipeline.twb"];

    private static XDocument Load(string file) => XDocument.Load(Path.Combine(AppContext.BaseDirectory, "tableau", file));

    /// <summary>The datasources of a file: the root of a .tds, every real one (not Parameters) of a .twb.</summary>
    private static IEnumerable<XElement> DataSources(XDocument document) =>
        document.Root!.Name.LocalName == "datasource"
            ? [document.Root]
            : document.Root!.Element("datasources")!.Elements("datasource").Where(d => d.Element("connection") is not null);

    [Theory]
    [InlineData("pipeline.tds")]
    [InlineData("pipeline.twb")]
    public void Connects_live_to_the_pipeline_database_as_the_read_only_login(string file)
    {
        var document = Load(file);

        var connections = document.Descendants("connection").Where(c => (string?)c.Attribute("class") != "federated").ToList();
        Assert.NotEmpty(connections);
        Assert.All(connections, c =>
        {
            Assert.Equal("postgres", (string?)c.Attribute("class"));
            Assert.Equal(("localhost", "5432", "pipeline", "tableau"),
                ((string?)c.Attribute("server"), (string?)c.Attribute("port"), (string?)c.Attribute("dbname"), (string?)c.Attribute("username")));
            Assert.Null(c.Attribute("password"));
        });
        Assert.Empty(document.Descendants("extract"));
    }

    [Fact]
    public void The_workbook_has_the_original_three_sheets_then_alerts_and_share_of_voice()
    {
        var workbook = Load("pipeline.twb");

        Assert.Equal(["Tweet distribution by topic", "Sentiment score histogram", "Weekly volume by topic", "Alerts", "Share of voice"],
            workbook.Root!.Element("worksheets")!.Elements("worksheet").Select(w => (string?)w.Attribute("name")));
        Assert.Contains(workbook.Descendants("mark"), m => (string?)m.Attribute("class") == "Line");
        Assert.Contains(workbook.Descendants("encoding"), e => ((string?)e.Attribute("palette"))?.StartsWith("red_green", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Every_view_and_column_the_files_name_exists_in_the_migrated_schema_and_the_reporting_role_may_read_it()
    {
        await using var dataSource = PipelineDataSource.Create(await postgres.CreateDatabaseAsync());
        await new SchemaMigrator(dataSource).MigrateAsync();
        var views = await ReportingViewsAsync(dataSource);
        var checkedColumns = 0;

        foreach (var file in Files)
        {
            var document = Load(file);
            var columnsByDataSource = new Dictionary<string, HashSet<string>>();
            foreach (var source in DataSources(document))
            {
                var relations = source.Descendants("relation").Where(r => (string?)r.Attribute("type") == "table").ToList();
                var relation = Assert.Single(relations);
                var match = TableName().Match((string)relation.Attribute("table")!);
                Assert.True(match.Success, $"{file}: table '{relation.Attribute("table")}' is not [schema].[name]");
                Assert.Equal("reporting", match.Groups["schema"].Value);
                var view = match.Groups["name"].Value;
                Assert.True(views.ContainsKey(view), $"{file}: reporting.{view} is not a view of the migrated schema");
                var columns = views[view];

                foreach (var remote in source.Descendants("remote-name").Select(r => r.Value))
                {
                    Assert.True(columns.Contains(remote), $"{file}: reporting.{view} has no column {remote}");
                    checkedColumns++;
                }

                var calculated = source.Elements("column").Where(c => c.Element("calculation") is not null).Select(c => Unbracket((string)c.Attribute("name")!));
                foreach (var column in source.Elements("column").Where(c => c.Element("calculation") is null))
                {
                    Assert.True(columns.Contains(Unbracket((string)column.Attribute("name")!)), $"{file}: reporting.{view} has no column {column.Attribute("name")}");
                }

                foreach (var formula in source.Descendants("calculation").Select(c => (string)c.Attribute("formula")!))
                {
                    foreach (Match field in FieldReference().Matches(formula))
                    {
                        Assert.True(columns.Contains(field.Groups[1].Value), $"{file}: formula {formula} names a column reporting.{view} lacks");
                    }
                }

                columnsByDataSource[(string?)source.Attribute("name") ?? string.Empty] = [.. columns, .. calculated];
            }

            // Sheets may only use columns of the datasource they depend on.
            foreach (var dependencies in document.Descendants("datasource-dependencies"))
            {
                var known = columnsByDataSource[(string)dependencies.Attribute("datasource")!];
                foreach (var name in dependencies.Elements("column").Select(c => (string)c.Attribute("name")!)
                             .Concat(dependencies.Elements("column-instance").Select(c => (string)c.Attribute("column")!)))
                {
                    Assert.True(known.Contains(Unbracket(name)), $"{file}: sheet uses {name}, which its datasource does not have");
                    checkedColumns++;
                }
            }
        }

        Assert.True(checkedColumns > 30, $"only {checkedColumns} column references were checked");
    }

    private static async Task<Dictionary<string, HashSet<string>>> ReportingViewsAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.views v ON v.table_schema = c.table_schema AND v.table_name = c.table_name
            WHERE c.table_schema = 'reporting'
              AND has_table_privilege('pipeline_reporting', format('%I.%I', c.table_schema, c.table_name), 'SELECT')
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var views = new Dictionary<string, HashSet<string>>();
        while (await reader.ReadAsync())
        {
            var view = reader.GetString(0);
            if (!views.TryGetValue(view, out var columns))
            {
                views[view] = columns = [];
            }

            columns.Add(reader.GetString(1));
        }

        return views;
    }

    private static string Unbracket(string name) => name.TrimStart('[').TrimEnd(']');

    [GeneratedRegex(@"^\[(?<schema>[^\]]+)\]\.\[(?<name>[^\]]+)\]$")]
    private static partial Regex TableName();

    [GeneratedRegex(@"\[([^\]]+)\]")]
    private static partial Regex FieldReference();
}
