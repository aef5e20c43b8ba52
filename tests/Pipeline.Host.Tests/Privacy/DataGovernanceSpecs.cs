using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using Pipeline.Actors.Storage;
using Pipeline.Host.Commands;
using Pipeline.Host.Tests.Commands;
using Pipeline.Host.Tests.Http;
using Pipeline.Models.Domain;

namespace Pipeline.Host.Tests.Privacy;

/// <summary>
/// Issue 16 on the running service with a real PostgreSQL: forget (endpoint and verb) removes a data subject from every
/// table and view and keeps them out (drop reason <c>forgotten</c>), the reporting role sees pseudonyms only, and every
/// admin action leaves one audit row without a secret.
/// </summary>
// The export verb writes its count to the process-wide Console.Error.
[Collection(StandardErrorCollection.Name)]
public sealed class DataGovernanceSpecs(PostgresFixture postgres)
{
    private const string Secret = "pseudonym-secret-for-tests-0123456789abcdef";
    private const string Handle = "ada_obi";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static readonly Dictionary<string, string> WithSecret = new()
    {
        ["PIPELINE_ADMIN_TOKEN"] = GuardedService.AdminToken,
        [PrivacyKeys.SecretVariable] = Secret,
    };

    // No PIPELINE_PSEUDONYM_KEY: the service and the verbs (which read this process's environment) use the database's own key alike.
    private static readonly Dictionary<string, string> WithoutSecret = new() { ["PIPELINE_ADMIN_TOKEN"] = GuardedService.AdminToken };

    /// <summary>A settings file for the verbs: the service's database and diagnostics folder.</summary>
    private static string WriteConfig(GuardedService service)
    {
        var config = service.Folder.Combine("pipeline.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "pipeline.conf")) + $$"""

            pipeline.database.connection-string = "{{service.Database.ConnectionString}}"
            pipeline.scraping.diagnostics = "{{service.Folder.Combine("diagnostics")}}"
            pipeline.topics.enabled = off
            """);
        return config;
    }

    /// <summary>Ada's posts on three days (one dropped as non-English) and Tunde's, all about GTBank, first id <paramref name="firstId"/>.</summary>
    private static List<SyntheticTweets.Row> Posts(long firstId)
    {
        var now = DateTimeOffset.UtcNow;
        SyntheticTweets.Row Row(int n, string author, int daysAgo, string text, string lang = "en") =>
            new(firstId + n, $"{text} ({firstId + n})", now.AddDays(-daysAgo).AddMinutes(-n), author, "gtbank", lang, n, 0, false, null);
        return
        [
            Row(0, "Ada_Obi", 0, "@gtbank my transfer failed again, please reverse it"),
            Row(1, "@ada_obi", 1, "@gtbank customer care has kept me on hold for an hour"),
            Row(2, "ada_obi", 3, "@gtbank thank you, my reversal finally came"),
            Row(3, "ada_obi", 2, "@gtbank mon virement n'est pas arrivé depuis hier", "fr"),
            Row(4, "tunde_b", 0, "@gtbank why am I charged for SMS alerts I never receive"),
            Row(5, "tunde_b", 1, "@gtbank the app keeps logging me out"),
            // Another author whose handle starts with Ada's: never matched by hers.
            Row(6, "ada_obi2", 1, "@gtbank the ATM swallowed my card"),
        ];
    }

    private static async Task ImportAsync(GuardedService service, string name, IEnumerable<SyntheticTweets.Row> rows)
    {
        var inbox = service.Folder.Combine("inbox");
        Directory.CreateDirectory(inbox);
        var staging = service.Folder.Combine(name);
        SyntheticTweets.WriteJsonLines(staging, rows);
        File.Move(staging, Path.Combine(inbox, name));
        await RunningService.WaitImportedAsync(inbox, name);
    }

    private static HttpRequestMessage Forget(Uri root, object body) => new(HttpMethod.Post, new Uri(root, "/admin/forget"))
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", GuardedService.AdminToken) },
        Content = JsonContent.Create(body),
    };

    [Fact]
    public async Task Forget_author_removes_every_row_about_them_from_every_table_and_view_and_a_reimported_file_stores_none_of_them_again()
    {
        await using var service = await GuardedService.StartAsync(postgres, Hocon(), WithoutSecret);
        var dataSource = service.Database.DataSource;
        var rows = Posts(7_770_000_000_000_000_000);
        var ada = rows.Where(r => PrivacyKeys.NormalizeHandle(r.Author) == Handle).Select(r => r.Id).ToList();
        await ImportAsync(service, "first.jsonl", rows);
        Assert.Equal(4, await CountAsync(dataSource, $"SELECT count(*) FROM pipeline.raw_posts WHERE post_id IN ({string.Join(',', ada)})"));
        await ExecuteAsync(dataSource, """
            INSERT INTO pipeline.quarantine (source, location, error, payload, fingerprint) VALUES
                ('import', 'broken.jsonl:3', 'not JSON', '{"author_handle": "Ada_Obi", "text": "@gtbank help"', 'ada'),
                ('import', 'broken.jsonl:4', 'not JSON', '{"author_handle": "ada_obi2", "text": "@gtbank help"', 'ada2')
            """);
        var diagnostics = Directory.CreateDirectory(service.Folder.Combine("diagnostics")).FullName;
        await File.WriteAllTextAsync(Path.Combine(diagnostics, "nitter-ada.html"), "<a class=\"username\" href=\"/Ada_Obi\">@Ada_Obi</a>");
        await File.WriteAllTextAsync(Path.Combine(diagnostics, "nitter-other.html"), "<a class=\"username\" href=\"/tunde_b\">@tunde_b</a>");

        // The scan below finds her where she is stored.
        Assert.Contains("pipeline.raw_posts (4)", await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(Handle)));
        Assert.Contains("pipeline.quarantine (1)", await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(Handle)));

        using var response = await Http.SendAsync(Forget(service.Root, new { author = "@ADA_OBI" }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(4, report.GetProperty("posts").GetInt32());
        Assert.Equal(3, report.GetProperty("scoredPosts").GetInt32());
        Assert.Equal(1, report.GetProperty("quarantineEntries").GetInt32());
        Assert.Equal(1, report.GetProperty("diagnosticsFiles").GetInt32());
        Assert.Equal(["nitter-other.html"], Directory.GetFiles(diagnostics).Select(Path.GetFileName));
        // Nothing in any table or view of any schema names her or holds one of her posts' ids.
        Assert.Empty(await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(Handle)));
        Assert.Empty(await RelationsMatchingAsync(dataSource, $"(^|[^0-9])({string.Join('|', ada)})([^0-9]|$)"));
        // The others are all there, and the rollups still equal a fresh aggregate of what is left.
        Assert.Equal(3, await CountAsync(dataSource, "SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(0, await CountAsync(dataSource, RollupsDifferFromAFreshAggregate));
        Assert.Equal(0, await CountAsync(dataSource, "SELECT coalesce(sum(posts), 0) FROM pipeline.drop_counts WHERE reason = 'non_english'"));

        // The same file again, imported afresh (a new cleaner, which remembers no ids, as after a restart): none of hers
        // is stored, each is counted.
        var again = service.Folder.Combine("again.jsonl");
        SyntheticTweets.WriteJsonLines(again, rows);
        Assert.Equal(ExitCodes.Ok, await ImportCommand.ExecuteAsync(WriteConfig(service), new FileInfo(again)));

        Assert.Equal(0, await CountAsync(dataSource, $"SELECT count(*) FROM pipeline.raw_posts WHERE post_id IN ({string.Join(',', ada)})"));
        Assert.Empty(await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(Handle)));
        Assert.Equal(4, await CountAsync(dataSource, "SELECT sum(posts) FROM pipeline.drop_counts WHERE reason = 'forgotten'"));
        Assert.Equal(3, await CountAsync(dataSource, "SELECT count(*) FROM pipeline.raw_posts"));
        Assert.Equal(0, await CountAsync(dataSource, RollupsDifferFromAFreshAggregate));
    }

    [Fact]
    public async Task Reporting_role_sees_one_stable_pseudonym_per_author_across_days_and_the_real_handle_nowhere()
    {
        await using var service = await GuardedService.StartAsync(postgres, Hocon(), WithSecret);
        var dataSource = service.Database.DataSource;
        var rows = Posts(7_780_000_000_000_000_000);
        await ImportAsync(service, "posts.jsonl", rows);

        var seen = new List<(string Pseudonym, DateOnly Day)>();
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var role = new NpgsqlCommand($"SET LOCAL ROLE {DatabaseRoles.ReportingGroup}", connection, transaction))
                await role.ExecuteNonQueryAsync();
            await using var command = new NpgsqlCommand(
                $"SELECT author_handle, day FROM reporting.posts WHERE post_id IN ({string.Join(',', rows.Take(3).Select(r => r.Id))})", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                seen.Add((reader.GetString(0), reader.GetFieldValue<DateOnly>(1)));
        }

        // Ada's three kept posts, on three days, under one pseudonym: the keyed hash of her handle with the configured secret.
        Assert.Equal(3, seen.Select(s => s.Day).Distinct().Count());
        var expected = new PrivacyKeys(Encoding.UTF8.GetBytes(Secret)).Pseudonym(Handle);
        Assert.Matches("^anon-[0-9a-f]{16}$", expected);
        Assert.All(seen, s => Assert.Equal(expected, s.Pseudonym));
        Assert.NotEqual(expected, new PrivacyKeys(Encoding.UTF8.GetBytes(Secret)).Pseudonym("tunde_b"));
        // The owner's tables do hold them (the scan finds what is there)...
        Assert.Contains("pipeline.raw_posts (4)", await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(Handle)));
        // ...but no relation the reporting role can read holds a real handle, in any column (the URL named it too).
        foreach (var author in new[] { Handle, "tunde_b", "ada_obi2" })
            Assert.Empty(await RelationsMatchingAsync(dataSource, DataSubjects.HandlePattern(author), asRole: DatabaseRoles.ReportingGroup));
        Assert.NotEmpty(await RelationsMatchingAsync(dataSource, "anon-[0-9a-f]{16}", asRole: DatabaseRoles.ReportingGroup));
        // The real handles are for the explicitly granted role only.
        var denied = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(dataSource, "SELECT count(*) FROM identified.posts", DatabaseRoles.ReportingGroup));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
        Assert.Equal(3, await CountAsync(dataSource, $"SELECT count(*) FROM identified.posts WHERE real_author_handle ILIKE '%{Handle}' AND author_handle = '{expected}'",
            "pipeline_identified"));
    }

    [Fact]
    public async Task Each_admin_action_leaves_exactly_one_audit_row_with_no_secret_in_it()
    {
        await using var service = await GuardedService.StartAsync(postgres, Hocon(), WithoutSecret);
        var dataSource = service.Database.DataSource;
        var rows = Posts(7_790_000_000_000_000_000);
        await ImportAsync(service, "posts.jsonl", rows);
        var config = WriteConfig(service);

        using (var reload = new HttpRequestMessage(HttpMethod.Post, new Uri(service.Root, "/admin/sentiment/reload?path=/etc"))
               {
                   Headers = { Authorization = new AuthenticationHeaderValue("Bearer", GuardedService.AdminToken) },
               })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await Http.SendAsync(reload)).StatusCode);
        }

        using (var forget = await Http.SendAsync(Forget(service.Root, new { post = rows[4].Id })))
            Assert.Equal(HttpStatusCode.OK, forget.StatusCode);
        var export = service.Folder.Combine("ada.jsonl");
        Assert.Equal(ExitCodes.Ok, await ExportCommand.ExecuteAsync(config, "@ada_obi", new FileInfo(export), TestContext.Current.CancellationToken));
        Assert.Equal(ExitCodes.Ok, await ForgetCommand.ExecuteAsync(config, null, "ada_obi", TestContext.Current.CancellationToken));

        var audit = (await AuditTrail.ReadAsync(dataSource)).Reverse().ToList();
        Assert.Equal(["reload-sentiment", "forget", "export", "forget"], audit.Select(a => a.Action));
        Assert.StartsWith("refused: ", audit[0].Outcome);
        Assert.Contains("/etc", audit[0].Parameters);
        Assert.Equal("http:admin-token@127.0.0.1", audit[1].Caller);
        Assert.StartsWith("forgotten: 1 posts", audit[1].Outcome);
        Assert.StartsWith("cli:", audit[2].Caller);
        Assert.Equal("exported 4 items", audit[2].Outcome);
        Assert.StartsWith("forgotten: 4 posts", audit[3].Outcome);
        var password = new NpgsqlConnectionStringBuilder(service.Database.ConnectionString).Password;
        foreach (var entry in audit)
        {
            var text = string.Join('\n', entry.Action, entry.Parameters, entry.Outcome, entry.Caller);
            Assert.DoesNotContain(GuardedService.AdminToken, text);
            Assert.DoesNotMatch(DataSubjects.HandlePattern(Handle), text);
            Assert.DoesNotContain(rows[4].Id.ToString(CultureInfo.InvariantCulture), text);
            if (!string.IsNullOrEmpty(password))
                Assert.DoesNotContain(password, text);
        }

        // The export held her four posts (three with scores), each a JSON line naming her.
        var lines = File.ReadAllLines(export).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.All(lines, l => Assert.Equal("post", l.GetProperty("kind").GetString()));
        Assert.All(lines, l => Assert.Equal(Handle, PrivacyKeys.NormalizeHandle(l.GetProperty("raw").GetProperty("author_handle").GetString()!)));
        Assert.Equal(3, lines.Count(l => l.GetProperty("scored").ValueKind == JsonValueKind.Object));
    }

    private static string Hocon() => """
        pipeline.import.poll-interval = 100ms
        pipeline.sink.max-wait = 50ms
        pipeline.scraping.diagnostics = "{folder}/diagnostics"
        """;

    // Daily and hourly rollups against an aggregate of scored_posts made now (the minute rollup keeps two days only).
    private const string RollupsDifferFromAFreshAggregate = """
        WITH fresh AS (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                   count(*) AS posts, count(sentiment_score) AS scored
            FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4, 5, 6),
        kept AS (SELECT day, company_id, topic_id, topic_model_version, topic_label, sentiment_label, posts, scored FROM pipeline.daily_rollup),
        fresh_hours AS (
            SELECT date_trunc('hour', created_at, 'UTC') AS hour, company_id, sentiment_label, count(*) AS posts
            FROM pipeline.scored_posts GROUP BY 1, 2, 3),
        kept_hours AS (SELECT hour, company_id, sentiment_label, sum(posts)::bigint AS posts FROM pipeline.hourly_rollup GROUP BY 1, 2, 3)
        SELECT (SELECT count(*) FROM ((TABLE fresh EXCEPT ALL TABLE kept) UNION ALL (TABLE kept EXCEPT ALL TABLE fresh)) d)
             + (SELECT count(*) FROM ((TABLE fresh_hours EXCEPT ALL TABLE kept_hours) UNION ALL (TABLE kept_hours EXCEPT ALL TABLE fresh_hours)) h)
        """;

    /// <summary>
    /// Every table and view of every schema (the role's readable ones when <paramref name="asRole"/> is given) with a row
    /// whose text matches <paramref name="pattern"/>, case-insensitively: "schema.relation (rows)".
    /// </summary>
    private static async Task<List<string>> RelationsMatchingAsync(NpgsqlDataSource dataSource, string pattern, string? asRole = null)
    {
        var relations = new List<string>();
        await using (var list = dataSource.CreateCommand("""
            SELECT format('%I.%I', n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'v', 'm', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\_%'
              AND ($1::text IS NULL OR (has_schema_privilege($1, n.oid, 'USAGE') AND has_table_privilege($1, c.oid, 'SELECT')))
            ORDER BY 1
            """))
        {
            list.Parameters.Add(new NpgsqlParameter { Value = (object?)asRole ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                relations.Add(reader.GetString(0));
        }

        Assert.NotEmpty(relations);
        var matching = new List<string>();
        foreach (var relation in relations)
        {
            var rows = await CountAsync(dataSource, $"SELECT count(*) FROM {relation} t WHERE t::text ~* '{pattern.Replace("'", "''", StringComparison.Ordinal)}'", asRole);
            if (rows > 0)
                matching.Add($"{relation} ({rows})");
        }

        return matching;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, string? asRole = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (asRole is not null)
        {
            await using var role = new NpgsqlCommand($"SET LOCAL ROLE {asRole}", connection, transaction);
            await role.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
