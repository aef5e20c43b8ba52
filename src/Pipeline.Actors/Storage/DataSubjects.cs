using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace Pipeline.Actors.Storage;

/// <summary>Whom or what <c>forget</c> and <c>export</c> are about: one post, or every post of one author.</summary>
public abstract record DataSubject
{
    private DataSubject()
    {
    }

    public sealed record Post(long PostId) : DataSubject;

    /// <param name="Handle">As given (with or without @, any case); compared normalised (<see cref="PrivacyKeys.NormalizeHandle"/>).</param>
    public sealed record Author(string Handle) : DataSubject;
}

/// <summary>What a forget removed: posts (raw rows), their scored rows, quarantine entries, diagnostics files, and the tombstones it added.</summary>
public sealed record ForgetReport(int Posts, int ScoredPosts, int QuarantineEntries, int DiagnosticsFiles, int Tombstones);

/// <summary>
/// The rights of a data subject (docs/data.md): forget (delete everything stored about a post or an author, and keep
/// it out for good with tombstones) and export (every stored item about an author, as JSON lines).
/// <para>
/// What holds a post or its author: pipeline.raw_posts (handle, id, text), pipeline.scored_posts (cleaned text), the
/// rollups (counts only; kept equal to a fresh aggregate by scored_posts' delete trigger), pipeline.drop_counts
/// (counts; taken down for the dropped rows removed), pipeline.quarantine (post id, the raw post as payload) and the
/// scrapers' diagnostics files (saved pages). Nothing else does: alerts, topic catalogs and retrain records hold
/// counts, words and model versions, the scrapers' journal holds page positions.
/// </para>
/// </summary>
public static class DataSubjects
{
    // The author match: the normalised handle as PrivacyKeys.NormalizeHandle makes it. A sequential scan of raw_posts
    // (no index on handles: the sink would pay for it on every post, for a rare request): seconds at millions of rows.
    private const string AuthorMatch = "lower(btrim(ltrim(btrim(r.author_handle), '@'))) = $1";

    /// <summary>
    /// Removes the post or every post of the author from every table, deletes the diagnostics files that name them, and
    /// records tombstones (the author's, and each removed post's) so the sink never stores them again. One transaction,
    /// holding <see cref="PostStore.ForgetLock"/>: batches in flight commit first (and are removed with the rest).
    /// </summary>
    /// <param name="diagnosticsFolder">The scrapers' diagnostics folder (pipeline.scraping.diagnostics); null: none.</param>
    public static async Task<ForgetReport> ForgetAsync(NpgsqlDataSource dataSource, PrivacyKeys keys, DataSubject subject,
        string? diagnosticsFolder, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({PostStore.ForgetLock})", ct);

        var ids = await PostIdsAsync(connection, transaction, subject, ct);
        var tombstones = new List<(byte[] Key, string Kind)>();
        switch (subject)
        {
            case DataSubject.Author author:
                tombstones.Add((keys.AuthorTombstone(author.Handle), "author"));
                break;
            case DataSubject.Post post:
                tombstones.Add((keys.PostTombstone(post.PostId), "post"));
                break;
        }

        // Each removed post's id too: a native retweet of it carries its id under another author, and an author who
        // renames still has the same posts.
        tombstones.AddRange(ids.Select(id => (keys.PostTombstone(id), "post")));
        int added;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO pipeline.tombstones (key_hash, kind)
            SELECT DISTINCT ON (key_hash) key_hash, kind FROM unnest($1, $2) AS t(key_hash, kind)
            ON CONFLICT (key_hash) DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = tombstones.Select(t => t.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
            insert.Parameters.Add(new NpgsqlParameter { Value = tombstones.Select(t => t.Kind).ToArray() });
            added = await insert.ExecuteNonQueryAsync(ct);
        }

        // The rows go through pipeline.forget_posts (V014), which runs with the owner's rights: the writer may not delete posts.
        long scored, raw, quarantine;
        await using (var forget = new NpgsqlCommand(
            "SELECT scored_rows, raw_rows, quarantine_rows FROM pipeline.forget_posts($1, $2, $3)", connection, transaction))
        {
            forget.Parameters.Add(new NpgsqlParameter { Value = ids });
            forget.Parameters.Add(new NpgsqlParameter { Value = subject is DataSubject.Post p ? p.PostId : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            forget.Parameters.Add(new NpgsqlParameter { Value = subject is DataSubject.Author a ? HandlePattern(a.Handle) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await forget.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (scored, raw, quarantine) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        // Files go after the rows are gone but before the commit: a file that cannot be deleted fails the forget, and
        // the rows stay until it is run again.
        var files = DeleteDiagnostics(diagnosticsFolder, subject, ids);
        await transaction.CommitAsync(ct);
        return new ForgetReport((int)raw, (int)scored, (int)quarantine, files, added);
    }

    /// <summary>
    /// Writes every stored item about the author as JSON lines: each post (its raw row and, when kept, its scored row),
    /// then each quarantine entry naming the author or one of the posts, then whether the author is forgotten. Returns the lines written.
    /// </summary>
    public static async Task<int> ExportAsync(NpgsqlDataSource dataSource, PrivacyKeys keys, DataSubject.Author author, TextWriter output,
        CancellationToken ct = default)
    {
        var handle = PrivacyKeys.NormalizeHandle(author.Handle);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var lines = 0;
        await using (var command = new NpgsqlCommand($"""
            SELECT jsonb_build_object('kind', 'post', 'post_id', r.post_id, 'raw', to_jsonb(r), 'scored', to_jsonb(s))::text
            FROM pipeline.raw_posts r LEFT JOIN pipeline.scored_posts s ON s.post_id = r.post_id
            WHERE {AuthorMatch}
            ORDER BY r.post_id
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = handle });
            lines += await CopyLinesAsync(command, output, ct);
        }

        await using (var command = new NpgsqlCommand($"""
            SELECT jsonb_build_object('kind', 'quarantine', 'entry', to_jsonb(q))::text
            FROM pipeline.quarantine q
            WHERE q.post_id IN (SELECT r.post_id FROM pipeline.raw_posts r WHERE {AuthorMatch}) OR {QuarantineMatch(author, 2)}
            ORDER BY q.quarantine_id
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = handle });
            command.Parameters.Add(QuarantineParameter(author));
            lines += await CopyLinesAsync(command, output, ct);
        }

        await using (var command = new NpgsqlCommand(
            "SELECT jsonb_build_object('kind', 'tombstone', 'forgotten_at', forgotten_at)::text FROM pipeline.tombstones WHERE key_hash = $1",
            connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = keys.AuthorTombstone(author.Handle) });
            lines += await CopyLinesAsync(command, output, ct);
        }

        await transaction.CommitAsync(ct);
        await output.FlushAsync(ct);
        return lines;
    }

    /// <summary>
    /// A regular expression (the same in PostgreSQL's ARE and .NET) that finds the handle as a whole word, with or without
    /// its @, in a payload or a saved page: "ada_obi" matches in {"author_handle":"ada_obi"} and "@Ada_Obi", not in "ada_obi2".
    /// </summary>
    public static string HandlePattern(string handle)
    {
        var escaped = new StringBuilder();
        foreach (var c in PrivacyKeys.NormalizeHandle(handle))
        {
            // ASCII punctuation is escaped (a handle from a file is not trusted to be a plain word); a letter, digit or _
            // is not, since both dialects read a backslash before a word character as a class such as \d.
            if (char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c) && c != '_')
                escaped.Append('\\');
            escaped.Append(c);
        }

        return $"(^|[^A-Za-z0-9_])@?{escaped}([^A-Za-z0-9_]|$)";
    }

    private static async Task<long[]> PostIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DataSubject subject, CancellationToken ct)
    {
        await using var command = subject switch
        {
            DataSubject.Author a => new NpgsqlCommand($"SELECT r.post_id FROM pipeline.raw_posts r WHERE {AuthorMatch}", connection, transaction)
            {
                Parameters = { new NpgsqlParameter { Value = PrivacyKeys.NormalizeHandle(a.Handle) } },
            },
            DataSubject.Post p => new NpgsqlCommand("SELECT r.post_id FROM pipeline.raw_posts r WHERE r.post_id = $1", connection, transaction)
            {
                Parameters = { new NpgsqlParameter { Value = p.PostId } },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(subject)),
        };
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            ids.Add(reader.GetInt64(0));
        return [.. ids];
    }

    /// <summary>Quarantine entries about the subject beyond those with a stored post's id: the post's id, or a payload naming the author.</summary>
    private static string QuarantineMatch(DataSubject subject, int parameter) => subject switch
    {
        DataSubject.Author => $"q.payload ~* ${parameter}",
        _ => $"q.post_id = ${parameter}",
    };

    private static NpgsqlParameter QuarantineParameter(DataSubject subject) => subject switch
    {
        DataSubject.Author a => new NpgsqlParameter { Value = HandlePattern(a.Handle) },
        DataSubject.Post p => new NpgsqlParameter { Value = p.PostId },
        _ => throw new ArgumentOutOfRangeException(nameof(subject)),
    };

    /// <summary>Deletes the saved pages that name the author (or, for a post, its id); returns how many.</summary>
    private static int DeleteDiagnostics(string? folder, DataSubject subject, IReadOnlyCollection<long> ids)
    {
        if (folder is null || !Directory.Exists(folder))
            return 0;
        var author = subject is DataSubject.Author a ? new Regex(HandlePattern(a.Handle), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant) : null;
        var postIds = ids.Concat(subject is DataSubject.Post p ? [p.PostId] : []).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var body = File.ReadAllText(file);
            if ((author?.IsMatch(body) ?? false) || postIds.Any(id => ContainsNumber(body, id)))
            {
                File.Delete(file);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>The id as a whole number (not a part of a longer one).</summary>
    private static bool ContainsNumber(string body, string id)
    {
        for (var at = body.IndexOf(id, StringComparison.Ordinal); at >= 0; at = body.IndexOf(id, at + 1, StringComparison.Ordinal))
        {
            var before = at == 0 || !char.IsAsciiDigit(body[at - 1]);
            var after = at + id.Length == body.Length || !char.IsAsciiDigit(body[at + id.Length]);
            if (before && after)
                return true;
        }

        return false;
    }

    private static async Task<int> CopyLinesAsync(NpgsqlCommand command, TextWriter output, CancellationToken ct)
    {
        var lines = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            await output.WriteLineAsync(reader.GetString(0).AsMemory(), ct);
            lines++;
        }

        return lines;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(ct);
    }
}
