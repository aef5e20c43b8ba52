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
/// </summary>
public sealed class PostStore(NpgsqlDataSource dataSource)
{
    private const string StagingDdl = """
        CREATE TEMP TABLE IF NOT EXISTS staging_raw (
            post_id bigint, company_id text, source text, author_id text, author_handle text, text text,
            created_at timestamptz, likes integer, retweets integer, replies integer, quotes integer,
            url text, lang text, is_retweet boolean, is_reply boolean, fetched_at timestamptz, drop_reason text
        ) ON COMMIT DELETE ROWS;
        CREATE TEMP TABLE IF NOT EXISTS staging_scored (
            post_id bigint, company_id text, created_at timestamptz, clean_text text, sentiment_text text,
            topic_tokens text[], topic_id integer, topic_label text, topic_confidence real, topic_model_version text,
            sentiment_label text, p_negative real, p_neutral real, p_positive real, sentiment_score real,
            sentiment_model_version text, scored_at timestamptz
        ) ON COMMIT DELETE ROWS;
        """;

    // First decision wins for the drop reason; engagement numbers and fetch time follow the newest copy.
    private const string UpsertRaw = """
        WITH upserted AS (
            INSERT INTO pipeline.raw_posts AS r (post_id, company_id, source, author_id, author_handle, text, created_at,
                likes, retweets, replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason)
            SELECT DISTINCT ON (post_id) post_id, company_id, source, author_id, author_handle, text, created_at,
                likes, retweets, replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason
            FROM staging_raw
            ORDER BY post_id
            ON CONFLICT (post_id) DO UPDATE SET
                likes = EXCLUDED.likes, retweets = EXCLUDED.retweets, replies = EXCLUDED.replies,
                quotes = EXCLUDED.quotes, fetched_at = greatest(r.fetched_at, EXCLUDED.fetched_at)
            RETURNING company_id, created_at, drop_reason, (xmax = 0) AS inserted
        ), counted AS (
            INSERT INTO pipeline.drop_counts AS d (company_id, day, reason, posts)
            SELECT coalesce(company_id, ''), (created_at AT TIME ZONE 'UTC')::date, drop_reason, count(*)
            FROM upserted
            WHERE inserted AND drop_reason IS NOT NULL
            GROUP BY 1, 2, 3
            ON CONFLICT (company_id, day, reason) DO UPDATE SET posts = d.posts + EXCLUDED.posts
        )
        SELECT count(*) FILTER (WHERE inserted) FROM upserted
        """;

    // Scores are only ever added or replaced by newer ones, never erased by a replay without them.
    private const string UpsertScored = """
        INSERT INTO pipeline.scored_posts AS s (post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens,
            topic_id, topic_label, topic_confidence, topic_model_version, sentiment_label, p_negative, p_neutral,
            p_positive, sentiment_score, sentiment_model_version, scored_at)
        SELECT DISTINCT ON (post_id) post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens,
            topic_id, topic_label, topic_confidence, topic_model_version, sentiment_label, p_negative, p_neutral,
            p_positive, sentiment_score, sentiment_model_version, scored_at
        FROM staging_scored
        ORDER BY post_id
        ON CONFLICT (post_id) DO UPDATE SET
            clean_text = EXCLUDED.clean_text,
            sentiment_text = EXCLUDED.sentiment_text,
            topic_tokens = EXCLUDED.topic_tokens,
            topic_id = coalesce(EXCLUDED.topic_id, s.topic_id),
            topic_label = coalesce(EXCLUDED.topic_label, s.topic_label),
            topic_confidence = coalesce(EXCLUDED.topic_confidence, s.topic_confidence),
            topic_model_version = coalesce(EXCLUDED.topic_model_version, s.topic_model_version),
            sentiment_label = coalesce(EXCLUDED.sentiment_label, s.sentiment_label),
            p_negative = coalesce(EXCLUDED.p_negative, s.p_negative),
            p_neutral = coalesce(EXCLUDED.p_neutral, s.p_neutral),
            p_positive = coalesce(EXCLUDED.p_positive, s.p_positive),
            sentiment_score = coalesce(EXCLUDED.sentiment_score, s.sentiment_score),
            sentiment_model_version = coalesce(EXCLUDED.sentiment_model_version, s.sentiment_model_version),
            scored_at = coalesce(EXCLUDED.scored_at, s.scored_at)
        """;

    private const string InsertQuarantine = """
        INSERT INTO pipeline.quarantine (source, location, error, payload, post_id, company_id, fingerprint)
        SELECT * FROM unnest(@source, @location, @error, @payload, @post_id, @company_id, @fingerprint)
        ON CONFLICT (fingerprint) DO NOTHING
        """;

    /// <summary>Stores the batch atomically; returns how many posts were stored for the first time.</summary>
    /// <remarks>
    /// Rows go to COPY with the synchronous writers: they only fill Npgsql's buffer, and awaiting
    /// each of 17 values per row cost more than the database's own work.
    /// </remarks>
    public async Task<int> WriteAsync(IReadOnlyList<PipelineItem> items, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var ddl = new NpgsqlCommand(StagingDdl, connection, transaction))
        {
            await ddl.ExecuteNonQueryAsync(ct);
        }

        var newPosts = 0;
        if (await CopyRawAsync(connection, items, ct) > 0)
        {
            await using var upsert = new NpgsqlCommand(UpsertRaw, connection, transaction);
            newPosts = (int)(long)(await upsert.ExecuteScalarAsync(ct))!;
        }

        if (await CopyScoredAsync(connection, items, ct) > 0)
        {
            await using var upsert = new NpgsqlCommand(UpsertScored, connection, transaction);
            await upsert.ExecuteNonQueryAsync(ct);
        }

        var quarantined = items.OfType<PipelineItem.Quarantined>().Select(q => q.Entry).ToList();
        if (quarantined.Count > 0)
        {
            await InsertQuarantineAsync(connection, transaction, quarantined, ct);
        }

        await transaction.CommitAsync(ct);
        return newPosts;
    }

    private static async Task<int> CopyRawAsync(NpgsqlConnection connection, IReadOnlyList<PipelineItem> items, CancellationToken ct)
    {
        var rows = 0;
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY staging_raw (post_id, company_id, source, author_id, author_handle, text, created_at, likes, retweets, " +
            "replies, quotes, url, lang, is_retweet, is_reply, fetched_at, drop_reason) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var item in items)
        {
            var (raw, company, reason) = item switch
            {
                PipelineItem.Scored s => (s.Post.Post.Raw, (CompanyId?)s.Post.Post.Company, (DropReason?)null),
                // A duplicate id is the same post as one already stored: there is no new row to write.
                PipelineItem.Dropped { Reason: DropReason.DuplicateId } => (null, null, null),
                PipelineItem.Dropped d => (d.Post, d.Company, d.Reason),
                _ => ((RawPost?)null, (CompanyId?)null, (DropReason?)null),
            };
            if (raw is null)
            {
                continue;
            }

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
            rows++;
        }

        await importer.CompleteAsync(ct);
        return rows;
    }

    private static async Task<int> CopyScoredAsync(NpgsqlConnection connection, IReadOnlyList<PipelineItem> items, CancellationToken ct)
    {
        var rows = 0;
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY staging_scored (post_id, company_id, created_at, clean_text, sentiment_text, topic_tokens, topic_id, " +
            "topic_label, topic_confidence, topic_model_version, sentiment_label, p_negative, p_neutral, p_positive, " +
            "sentiment_score, sentiment_model_version, scored_at) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var scored in items.OfType<PipelineItem.Scored>())
        {
            var (post, topic, sentiment) = scored.Post;
            importer.StartRow();
            importer.Write(post.Raw.Id.Value, NpgsqlDbType.Bigint);
            importer.Write(post.Company.Value, NpgsqlDbType.Text);
            importer.Write(post.Raw.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            importer.Write(Sanitize(post.Text), NpgsqlDbType.Text);
            importer.Write(Sanitize(post.SentimentText), NpgsqlDbType.Text);
            importer.Write(post.TopicTokens.Select(Sanitize).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            if (topic is null)
            {
                for (var i = 0; i < 4; i++)
                {
                    importer.WriteNull();
                }
            }
            else
            {
                importer.Write(topic.TopicId, NpgsqlDbType.Integer);
                importer.Write(topic.Label, NpgsqlDbType.Text);
                importer.Write((float)topic.Confidence, NpgsqlDbType.Real);
                importer.Write(topic.ModelVersion, NpgsqlDbType.Text);
            }

            if (sentiment is null)
            {
                for (var i = 0; i < 6; i++)
                {
                    importer.WriteNull();
                }
            }
            else
            {
                importer.Write(sentiment.Label.ToString().ToLowerInvariant(), NpgsqlDbType.Text);
                importer.Write((float)sentiment.Negative, NpgsqlDbType.Real);
                importer.Write((float)sentiment.Neutral, NpgsqlDbType.Real);
                importer.Write((float)sentiment.Positive, NpgsqlDbType.Real);
                importer.Write((float)sentiment.Score, NpgsqlDbType.Real);
                importer.Write(sentiment.ModelVersion, NpgsqlDbType.Text);
            }

            if (topic is null && sentiment is null)
            {
                importer.WriteNull();
            }
            else
            {
                importer.Write(DateTime.UtcNow, NpgsqlDbType.TimestampTz);
            }

            rows++;
        }

        await importer.CompleteAsync(ct);
        return rows;
    }

    private static async Task InsertQuarantineAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<QuarantineEntry> entries, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(InsertQuarantine, connection, transaction);
        command.Parameters.AddWithValue("source", entries.Select(e => Sanitize(e.Source)).ToArray());
        command.Parameters.AddWithValue("location", entries.Select(e => Sanitize(e.Location)).ToArray());
        command.Parameters.AddWithValue("error", entries.Select(e => Sanitize(e.Error)).ToArray());
        command.Parameters.AddWithValue("payload", NpgsqlDbType.Array | NpgsqlDbType.Text,
            entries.Select(e => e.Payload is null ? null : Sanitize(e.Payload)).ToArray());
        command.Parameters.AddWithValue("post_id", NpgsqlDbType.Array | NpgsqlDbType.Bigint,
            entries.Select(e => e.PostId?.Value).ToArray());
        command.Parameters.AddWithValue("company_id", NpgsqlDbType.Array | NpgsqlDbType.Text,
            entries.Select(e => e.Company?.Value).ToArray());
        command.Parameters.AddWithValue("fingerprint", entries.Select(Fingerprint).ToArray());
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

    /// <summary>PostgreSQL text cannot hold NUL; scraped text occasionally does.</summary>
    private static string Sanitize(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? value.Replace("\0", string.Empty, StringComparison.Ordinal) : value;

    public static string SourceName(PostSource source) => source switch
    {
        PostSource.Import => "import",
        PostSource.Nitter => "nitter",
        PostSource.XApi => "x_api",
        PostSource.Simulator => "simulator",
        _ => throw new UnreachableException(),
    };
}
