using System.Diagnostics;
using System.IO.Hashing;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Pipeline.Actors.Graph;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Storage;

/// <summary>
/// Writes a batch of pipeline items in one transaction: binary COPY into temporary staging
/// tables, then an upsert keyed on the platform's post id. Replaying a batch therefore
/// stores nothing twice, and drop counters only count posts stored for the first time.
/// A kept post a scoring stage failed on (<see cref="PipelineItem.Quarantined.Unscored"/>) gets its
/// raw row with <c>failed_stage</c> set and no scored row; a replay that scores it clears the mark.
/// Every string is made storable (<see cref="Pipeline.Models.Text.SafeText.Repair(string)"/>) on the way.
/// <para>
/// Privacy (docs/data.md): every raw row gets its author's pseudonym, and a post whose author or id has a tombstone
/// (<c>pipeline forget</c>) is not stored at all: it is counted in drop_counts as <c>forgotten</c> and reported in
/// <see cref="StoreResult.Forgotten"/>. The check is here, in the batch's transaction against pipeline.tombstones, not
/// in a cache in the cleaning stage: a tombstone written by any node (or the CLI) counts from the next batch on, with no
/// refresh to wait for, and the forget's lock (<see cref="ForgetLock"/>) keeps a batch in flight from bringing back
/// what it deletes.
/// </para>
/// </summary>
/// <param name="privacySecret">The value of <see cref="PrivacyKeys.SecretVariable"/>; null: the database's own key.</param>
public sealed class PostStore(NpgsqlDataSource dataSource, string? privacySecret = null)
{
    /// <summary>
    /// Every batch holds this transaction lock shared, and <c>forget</c> exclusively: a forget waits for the batches in
    /// flight to commit (and then deletes what they stored), and batches after it see its tombstones.
    /// 0x706970656667 = "pipefg"; apart from the migrator's key and the two-key rollup locks.
    /// </summary>
    public const long ForgetLock = 0x706970656667;

    private PrivacyKeys? _keys;

    // One staging table for both targets: one COPY per batch. With the pool's session reset
    // off (PipelineDataSource) it survives between batches, so the DDL below is a no-op after the
    // first batch on each connection.
    private const string StagingDdl = """
        CREATE TEMP TABLE IF NOT EXISTS staging_posts (
            post_id bigint, company_id text, source text, author_id text, author_handle text, text text,
            created_at timestamptz, likes integer, retweets integer, replies integer, quotes integer,
            url text, lang text, is_retweet boolean, is_reply boolean, fetched_at timestamptz, drop_reason text, failed_stage text,
            language text, kept boolean, clean_text text, sentiment_text text, topic_tokens text[], topic_id integer, topic_label text,
            topic_confidence real, topic_model_version text, topic_distribution real[], sentiment_label text, p_negative real, p_neutral real,
            p_positive real, sentiment_score real, sentiment_model_version text, scored_at timestamptz,
            author_pseudonym text, author_key bytea, post_key bytea
        ) ON COMMIT DELETE ROWS
        """;

    // First decision wins for the drop reason; engagement numbers and fetch time follow the newest
    // copy. Unchanged rows are not rewritten, so a replay costs index look-ups only. A row marked
    // failed_stage takes the mark of a kept copy (cleared when it was scored this time); a row stored
    // without a mark never gets one, since its scores are still there. A copy scored in the same batch
    // as a failed one wins (DISTINCT ON keeps the first in order). The language is the first decision's too; a
    // row stored without one (before V010, or undetermined then) takes the language a replay determined.
    private const string UpsertRaw = """
        WITH upserted AS (
            INSERT INTO pipeline.raw_posts AS r (post_id, company_id, source, author_id, author_handle, text, created_at,
                likes, retweets, replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason, failed_stage, language, author_pseudonym)
            SELECT DISTINCT ON (post_id) post_id, company_id, source, author_id, author_handle, text, created_at,
                likes, retweets, replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason, failed_stage, language, author_pseudonym
            FROM staging_posts
            ORDER BY post_id, failed_stage IS NOT NULL
            ON CONFLICT (post_id) DO UPDATE SET
                likes = EXCLUDED.likes, retweets = EXCLUDED.retweets, replies = EXCLUDED.replies,
                quotes = EXCLUDED.quotes, fetched_at = greatest(r.fetched_at, EXCLUDED.fetched_at),
                failed_stage = CASE WHEN r.failed_stage IS NOT NULL AND EXCLUDED.drop_reason IS NULL THEN EXCLUDED.failed_stage ELSE r.failed_stage END,
                language = coalesce(r.language, EXCLUDED.language),
                author_pseudonym = coalesce(r.author_pseudonym, EXCLUDED.author_pseudonym)
            WHERE (r.likes, r.retweets, r.replies, r.quotes) IS DISTINCT FROM
                  (EXCLUDED.likes, EXCLUDED.retweets, EXCLUDED.replies, EXCLUDED.quotes)
               OR (r.failed_stage IS NOT NULL AND EXCLUDED.drop_reason IS NULL AND r.failed_stage IS DISTINCT FROM EXCLUDED.failed_stage)
               OR (r.language IS NULL AND EXCLUDED.language IS NOT NULL)
               OR (r.author_pseudonym IS NULL AND EXCLUDED.author_pseudonym IS NOT NULL)
            RETURNING company_id, created_at, drop_reason, (xmax = 0) AS inserted
        ), counted AS (
            INSERT INTO pipeline.drop_counts AS d (company_id, day, reason, posts)
            SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, drop_reason, count(*)
            FROM upserted
            WHERE inserted AND drop_reason IS NOT NULL
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            ON CONFLICT (company_id, day, reason) DO UPDATE SET posts = d.posts + EXCLUDED.posts
        )
        SELECT count(*) FILTER (WHERE inserted) FROM upserted
        """;

    private static readonly string TakeForgetLock = $"SELECT pg_advisory_xact_lock_shared({ForgetLock})";

    // Staged posts with a tombstone leave the batch before anything is stored, counted as dropped 'forgotten' once per
    // arrival (a forgotten post has no row to tell a first arrival from a replay).
    private const string RemoveForgotten = """
        WITH forgotten AS (
            DELETE FROM staging_posts st
            WHERE EXISTS (SELECT 1 FROM pipeline.tombstones t WHERE t.key_hash IN (st.author_key, st.post_key))
            RETURNING st.post_id, st.company_id, st.created_at
        ), counted AS (
            INSERT INTO pipeline.drop_counts AS d (company_id, day, reason, posts)
            SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, 'forgotten', count(DISTINCT post_id)
            FROM forgotten
            GROUP BY 1, 2
            ORDER BY 1, 2
            ON CONFLICT (company_id, day, reason) DO UPDATE SET posts = d.posts + EXCLUDED.posts
        )
        SELECT coalesce(array_agg(DISTINCT post_id), '{}') FROM forgotten
        """;

    // The rollup rows the scored upsert below will lock, taken first and in one order by every writer (issue 12).
    // Without this, concurrent batches deadlock (40P01) on pipeline.daily_rollup: INSERT ... ON CONFLICT DO UPDATE
    // fires both statement triggers, so the rollup is updated in two passes, one for the inserted posts and one for
    // the updated ones, each sorted, but the two together are not. Two batches with no post in common (two lanes of
    // one node, or two nodes whose scrapers fetch the same company) then each hold a row the other's second pass
    // needs. A rollup row's day and company are those of its posts, and an update changes neither, so the rows a
    // batch can touch all lie in the (company, day) pairs of its kept posts, as staged (inserts) and as stored
    // (updates). One transaction-scoped advisory lock per pair, in key order, serialises just the batches that share
    // a pair; batches of other companies or days run in parallel. Batches that share a post already wait for each
    // other on its raw_posts row (locked even when unchanged, sorted by post id), before this.
    // 1919904876 = 0x726F6C6C, "roll": the first key of pg_advisory_xact_lock(int, int), whose keys are apart from the
    // single bigint key of the migrator's lock. The retention purge takes the same locks (V016's purge_kept_posts, which
    // repeats this number).
    internal const int RollupLockClass = 1919904876;

    private static readonly string LockRollupKeys = $"""
        SELECT pg_advisory_xact_lock({RollupLockClass}, key)
        FROM (SELECT DISTINCT hashtext(company_id || '/' || day) AS key
              FROM (SELECT coalesce(company_id, '') AS company_id, (created_at AT TIME ZONE 'UTC')::date AS day FROM staging_posts WHERE kept
                    UNION ALL
                    SELECT s.company_id, (s.created_at AT TIME ZONE 'UTC')::date
                    FROM pipeline.scored_posts s JOIN staging_posts st ON st.post_id = s.post_id WHERE st.kept) pairs
              ORDER BY 1 OFFSET 0) keys
        """;

    // Scores are only ever added or replaced by newer ones, never erased by a replay without them.
    private const string UpsertScored = """
        INSERT INTO pipeline.scored_posts AS s (post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens,
            topic_id, topic_label, topic_confidence, topic_model_version, topic_distribution, sentiment_label, p_negative, p_neutral,
            p_positive, sentiment_score, sentiment_model_version, scored_at)
        SELECT DISTINCT ON (post_id) post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens,
            topic_id, topic_label, topic_confidence, topic_model_version, topic_distribution, sentiment_label, p_negative, p_neutral,
            p_positive, sentiment_score, sentiment_model_version, scored_at
        FROM staging_posts st
        WHERE kept
          -- The raw row's first decision stands: a post already stored as dropped (a native retweet carries its
          -- original's id) is not also kept when the same id comes again after a restart emptied the cleaner's memory.
          AND NOT EXISTS (SELECT 1 FROM pipeline.raw_posts r WHERE r.post_id = st.post_id AND r.drop_reason IS NOT NULL)
        ORDER BY post_id
        ON CONFLICT (post_id) DO UPDATE SET
            clean_text = EXCLUDED.clean_text,
            sentiment_text = EXCLUDED.sentiment_text,
            topic_tokens = EXCLUDED.topic_tokens,
            topic_id = coalesce(EXCLUDED.topic_id, s.topic_id),
            topic_label = coalesce(EXCLUDED.topic_label, s.topic_label),
            topic_confidence = coalesce(EXCLUDED.topic_confidence, s.topic_confidence),
            topic_model_version = coalesce(EXCLUDED.topic_model_version, s.topic_model_version),
            -- The distribution belongs to the model that made it: replaced with the topic, never mixed.
            topic_distribution = CASE WHEN EXCLUDED.topic_model_version IS NULL THEN s.topic_distribution ELSE EXCLUDED.topic_distribution END,
            sentiment_label = coalesce(EXCLUDED.sentiment_label, s.sentiment_label),
            p_negative = coalesce(EXCLUDED.p_negative, s.p_negative),
            p_neutral = coalesce(EXCLUDED.p_neutral, s.p_neutral),
            p_positive = coalesce(EXCLUDED.p_positive, s.p_positive),
            sentiment_score = coalesce(EXCLUDED.sentiment_score, s.sentiment_score),
            sentiment_model_version = coalesce(EXCLUDED.sentiment_model_version, s.sentiment_model_version),
            scored_at = coalesce(EXCLUDED.scored_at, s.scored_at)
        WHERE (s.clean_text, s.sentiment_text, s.topic_tokens) IS DISTINCT FROM
              (EXCLUDED.clean_text, EXCLUDED.sentiment_text, EXCLUDED.topic_tokens)
           OR EXCLUDED.topic_model_version IS NOT NULL
           OR EXCLUDED.sentiment_model_version IS NOT NULL
        """;

    private const string InsertQuarantine = """
        INSERT INTO pipeline.quarantine (source, location, error, payload, post_id, company_id, fingerprint)
        SELECT source, location, error, payload, post_id, company_id, fingerprint
        FROM unnest(@source, @location, @error, @payload, @post_id, @company_id, @fingerprint, @author_key, @post_key)
            AS q(source, location, error, payload, post_id, company_id, fingerprint, author_key, post_key)
        WHERE NOT EXISTS (SELECT 1 FROM pipeline.tombstones t WHERE t.key_hash IN (q.author_key, q.post_key))
        ON CONFLICT (fingerprint) DO NOTHING
        """;

    /// <summary>Stores the batch atomically; returns how many posts were stored for the first time.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<PipelineItem> items, CancellationToken ct = default) =>
        (await WriteBatchAsync(items, ct)).NewPosts;

    /// <summary>Stores the batch atomically: how many posts were stored for the first time, and which were forgotten (not stored).</summary>
    public async Task<StoreResult> WriteBatchAsync(IReadOnlyList<PipelineItem> items, CancellationToken ct = default)
    {
        var keys = _keys ??= await PrivacyKeys.LoadAsync(dataSource, privacySecret, ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var ddl = new NpgsqlCommand(StagingDdl, connection, transaction))
        {
            await ddl.ExecuteNonQueryAsync(ct);
        }

        var newPosts = 0;
        long[] forgotten = [];
        var (rows, kept) = await CopyToStagingAsync(connection, items, keys, ct);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(TakeForgetLock));
            if (rows > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(RemoveForgotten));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(UpsertRaw));
                if (kept > 0)
                {
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(LockRollupKeys));
                    batch.BatchCommands.Add(new NpgsqlBatchCommand(UpsertScored));
                }
            }

            await using var reader = await batch.ExecuteReaderAsync(ct);
            if (rows > 0)
            {
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                forgotten = reader.GetFieldValue<long[]>(0);
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                newPosts = (int)reader.GetInt64(0);
            }

            // The remaining statements run as the reader is consumed.
            while (await reader.NextResultAsync(ct))
            {
            }
        }

        // In fingerprint order, so that two batches quarantining the same items wait for each other rather than deadlock.
        var quarantined = items.OfType<PipelineItem.Quarantined>().OrderBy(q => Fingerprint(q.Entry), StringComparer.Ordinal).ToList();
        if (quarantined.Count > 0)
        {
            await InsertQuarantineAsync(connection, transaction, quarantined, keys, ct);
        }

        await transaction.CommitAsync(ct);
        return new StoreResult(newPosts, forgotten.ToHashSet());
    }

    /// <remarks>
    /// Values go to COPY with the synchronous writers: they only fill Npgsql's buffer, and
    /// awaiting each of 32 values per row cost more than the database's own work.
    /// </remarks>
    private static async Task<(int Rows, int Kept)> CopyToStagingAsync(
        NpgsqlConnection connection, IReadOnlyList<PipelineItem> items, PrivacyKeys keys, CancellationToken ct)
    {
        int rows = 0, kept = 0;
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY staging_posts FROM STDIN (FORMAT BINARY)", ct);
        foreach (var item in items)
        {
            switch (item)
            {
                case PipelineItem.Scored scored:
                    WriteRaw(importer, scored.Post.Post.Raw, scored.Post.Post.Company, null, null, scored.Post.Post.Language);
                    WriteScores(importer, scored.Post);
                    WritePrivacy(importer, scored.Post.Post.Raw, keys);
                    kept++;
                    break;
                // Not scored, but not lost: the raw row says which stage failed, so it can be scored again.
                case PipelineItem.Quarantined { Unscored: { } unscored } failed:
                    WriteRaw(importer, unscored.Raw, unscored.Company, null, failed.Entry.Source, unscored.Language);
                    WriteNulls(importer, ScoreColumns);
                    WritePrivacy(importer, unscored.Raw, keys);
                    break;
                // A duplicate id is the same post as one already stored: there is no new row to write.
                case PipelineItem.Dropped { Reason: DropReason.DuplicateId }:
                    continue;
                case PipelineItem.Dropped dropped:
                    WriteRaw(importer, dropped.Post, dropped.Company, dropped.Reason, null, dropped.Language);
                    WriteNulls(importer, ScoreColumns);
                    WritePrivacy(importer, dropped.Post, keys);
                    break;
                default:
                    continue;
            }

            rows++;
        }

        await importer.CompleteAsync(ct);
        return (rows, kept);
    }

    private const int ScoreColumns = 16;

    private static void WriteRaw(NpgsqlBinaryImporter importer, RawPost raw, CompanyId? company, DropReason? reason, string? failedStage, string? language)
    {
        importer.StartRow();
        importer.Write(raw.Id.Value, NpgsqlDbType.Bigint);
        WriteNullable(importer, company?.Value);
        importer.Write(SourceName(raw.Source), NpgsqlDbType.Text);
        WriteNullable(importer, raw.AuthorId);
        importer.Write(Sanitize(raw.AuthorHandle), NpgsqlDbType.Text);
        importer.Write(Sanitize(raw.Text), NpgsqlDbType.Text);
        importer.Write(raw.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
        importer.Write(raw.Likes, NpgsqlDbType.Integer);
        importer.Write(raw.Retweets, NpgsqlDbType.Integer);
        importer.Write(raw.Replies, NpgsqlDbType.Integer);
        importer.Write(raw.Quotes, NpgsqlDbType.Integer);
        WriteNullable(importer, raw.Url);
        WriteNullable(importer, raw.Lang);
        importer.Write(raw.IsRetweet, NpgsqlDbType.Boolean);
        importer.Write(raw.IsReply, NpgsqlDbType.Boolean);
        importer.Write(raw.FetchedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
        WriteNullable(importer, reason?.ToSnakeCase());
        WriteNullable(importer, failedStage);
        WriteNullable(importer, language);
    }

    /// <summary>The last columns: the author's pseudonym, and the keyed hashes a tombstone of the author or the post would have.</summary>
    private static void WritePrivacy(NpgsqlBinaryImporter importer, RawPost raw, PrivacyKeys keys)
    {
        var author = keys.Author(Sanitize(raw.AuthorHandle));
        importer.Write(author.Pseudonym, NpgsqlDbType.Text);
        importer.Write(author.Tombstone, NpgsqlDbType.Bytea);
        importer.Write(keys.PostTombstone(raw.Id.Value), NpgsqlDbType.Bytea);
    }

    /// <summary>The <see cref="ScoreColumns"/> columns after the raw ones: kept flag, texts, topic, sentiment.</summary>
    private static void WriteScores(NpgsqlBinaryImporter importer, ScoredPost scored)
    {
        var (post, topic, sentiment) = scored;
        importer.Write(true, NpgsqlDbType.Boolean);
        importer.Write(Sanitize(post.Text), NpgsqlDbType.Text);
        importer.Write(Sanitize(post.SentimentText), NpgsqlDbType.Text);
        importer.Write(post.TopicTokens.Select(Sanitize).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        if (topic is null)
        {
            WriteNulls(importer, 5);
        }
        else
        {
            importer.Write(topic.TopicId, NpgsqlDbType.Integer);
            // Labels and versions come from catalogs and settings, not from the cleaned post: repaired all the same.
            importer.Write(Sanitize(topic.Label), NpgsqlDbType.Text);
            importer.Write((float)topic.Confidence, NpgsqlDbType.Real);
            importer.Write(Sanitize(topic.ModelVersion), NpgsqlDbType.Text);
            if (topic.Distribution is { } distribution)
            {
                importer.Write(distribution as float[] ?? distribution.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Real);
            }
            else
            {
                importer.WriteNull();
            }
        }

        if (sentiment is null)
        {
            WriteNulls(importer, 6);
        }
        else
        {
            importer.Write(sentiment.Label.ToString().ToLowerInvariant(), NpgsqlDbType.Text);
            importer.Write((float)sentiment.Negative, NpgsqlDbType.Real);
            importer.Write((float)sentiment.Neutral, NpgsqlDbType.Real);
            importer.Write((float)sentiment.Positive, NpgsqlDbType.Real);
            importer.Write((float)sentiment.Score, NpgsqlDbType.Real);
            importer.Write(Sanitize(sentiment.ModelVersion), NpgsqlDbType.Text);
        }

        if (topic is null && sentiment is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
        }
    }

    private static void WriteNulls(NpgsqlBinaryImporter importer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            importer.WriteNull();
        }
    }

    private static async Task InsertQuarantineAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<PipelineItem.Quarantined> items, PrivacyKeys keys, CancellationToken ct)
    {
        var entries = items.Select(q => q.Entry).ToList();
        await using var command = new NpgsqlCommand(InsertQuarantine, connection, transaction);
        command.Parameters.AddWithValue("source", entries.Select(e => Sanitize(e.Source)).ToArray());
        command.Parameters.AddWithValue("location", entries.Select(e => Sanitize(e.Location)).ToArray());
        command.Parameters.AddWithValue("error", entries.Select(e => Sanitize(e.Error)).ToArray());
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Array | NpgsqlDbType.Text,
            entries.Select(e => e.Payload is null ? null : Sanitize(e.Payload)).ToArray());
        command.Parameters.AddWithValue("post_id", NpgsqlDbType.Array | NpgsqlDbType.Bigint,
            entries.Select(e => e.PostId?.Value).ToArray());
        command.Parameters.AddWithValue("company_id", NpgsqlDbType.Array | NpgsqlDbType.Text,
            entries.Select(e => e.Company is { } company ? Sanitize(company.Value) : null).ToArray());
        command.Parameters.AddWithValue("fingerprint", entries.Select(Fingerprint).ToArray());
        // An entry of a forgotten author or post is not kept either (only a failed post's raw row names its author).
        command.Parameters.AddWithValue("author_key", NpgsqlDbType.Array | NpgsqlDbType.Bytea,
            items.Select(q => q.Unscored is { } unscored ? keys.AuthorTombstone(Sanitize(unscored.Raw.AuthorHandle)) : null).ToArray());
        command.Parameters.AddWithValue("post_key", NpgsqlDbType.Array | NpgsqlDbType.Bytea,
            entries.Select(e => e.PostId is { } id ? keys.PostTombstone(id.Value) : null).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Identifies a quarantined item so that replaying the same input does not quarantine it twice.</summary>
    public static string Fingerprint(QuarantineEntry entry) =>
        Convert.ToHexStringLower(XxHash128.Hash(Encoding.UTF8.GetBytes(
            $"{entry.Source}\u001f{entry.Location}\u001f{entry.Error}\u001f{entry.Payload}\u001f{entry.PostId}")));

    private static void WriteNullable(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(Sanitize(value), NpgsqlDbType.Text);
        }
    }

    /// <summary>PostgreSQL text holds neither NUL nor an unpaired surrogate (Npgsql refuses the value); scraped text occasionally has both.</summary>
    private static string Sanitize(string value) => Pipeline.Models.Text.SafeText.Repair(value);

    public static string SourceName(PostSource source) => source switch
    {
        PostSource.Import => "import",
        PostSource.Nitter => "nitter",
        PostSource.XApi => "x_api",
        PostSource.Simulator => "simulator",
        _ => throw new UnreachableException(),
    };
}

/// <param name="NewPosts">Posts stored for the first time.</param>
/// <param name="Forgotten">Ids of the batch's posts that were not stored because of a tombstone.</param>
public sealed record StoreResult(int NewPosts, IReadOnlySet<long> Forgotten);
