using System.Globalization;
using Npgsql;

namespace Pipeline.Tests.Shared.Service;

/// <summary>
/// What PostgreSQL holds against the simulator's ground truth (shared by the chaos and cluster benchmarks and the
/// multi-node tests):
/// <list type="bullet">
/// <item><b>lost</b>: ground-truth status ids with no row in <c>pipeline.raw_posts</c> (every collected post lands
/// there, kept or with its drop reason; a native retweet is its original's id).</item>
/// <item><b>duplicated</b>: double counting anywhere: posts in <c>pipeline.daily_rollup</c> above a fresh
/// aggregate of <c>pipeline.scored_posts</c>, posts in <c>pipeline.drop_counts</c> above a fresh count of dropped
/// <c>raw_posts</c> rows, posts both dropped and scored, and quarantined ids that also have a scored row.</item>
/// </list>
/// </summary>
public static class StoredPostsComparison
{
    public static async Task<StoredComparison> CompareAsync(NpgsqlDataSource dataSource, HashSet<long> truth, Func<long, string> describe, CancellationToken ct)
    {
        var ids = truth.ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        async Task<long> Scalar(string sql, bool withIds = false)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            if (withIds)
            {
                command.Parameters.AddWithValue("ids", ids);
            }

            return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
        }

        const string Missing = "SELECT id FROM unnest(@ids) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM pipeline.raw_posts r WHERE r.post_id = t.id)";
        var lost = await Scalar($"SELECT count(*) FROM ({Missing}) m", withIds: true);
        var lostQuarantined = await Scalar($"SELECT count(*) FROM ({Missing}) m WHERE EXISTS (SELECT 1 FROM pipeline.quarantine q WHERE q.post_id = m.id)", withIds: true);
        async Task<List<string>> Examples(string sql, bool withIds = false)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            if (withIds)
            {
                command.Parameters.AddWithValue("ids", ids);
            }

            var found = new List<string>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                found.Add(describe(reader.GetInt64(0)) + (reader.FieldCount > 1 ? $" {reader.GetString(1)}" : string.Empty));
            }

            return found;
        }

        var lostExamples = await Examples($"{Missing} ORDER BY id LIMIT 5", withIds: true);
        const string DroppedAndScored =
            " FROM pipeline.raw_posts r JOIN pipeline.scored_posts s ON s.post_id = r.post_id WHERE r.drop_reason IS NOT NULL";

        const string Rollup = """
            WITH fresh AS (
                SELECT (created_at AT TIME ZONE 'UTC')::date AS day, company_id, topic_id, topic_model_version, topic_label, sentiment_label,
                       count(*) AS posts
                FROM pipeline.scored_posts GROUP BY 1, 2, 3, 4, 5, 6),
            compared AS (
                SELECT coalesce(r.posts, 0) AS rollup, coalesce(f.posts, 0) AS fresh
                FROM pipeline.daily_rollup r FULL JOIN fresh f
                  ON r.day = f.day AND r.company_id = f.company_id AND r.topic_id IS NOT DISTINCT FROM f.topic_id
                 AND r.topic_model_version IS NOT DISTINCT FROM f.topic_model_version
                 AND r.topic_label IS NOT DISTINCT FROM f.topic_label AND r.sentiment_label IS NOT DISTINCT FROM f.sentiment_label)
            """;
        const string Drops = """
            WITH fresh AS (
                SELECT coalesce(company_id, '') AS company_id, (created_at AT TIME ZONE 'UTC')::date AS day, drop_reason AS reason, count(*) AS posts
                FROM pipeline.raw_posts WHERE drop_reason IS NOT NULL GROUP BY 1, 2, 3),
            compared AS (
                SELECT coalesce(d.posts, 0) AS rollup, coalesce(f.posts, 0) AS fresh
                FROM pipeline.drop_counts d FULL JOIN fresh f ON d.company_id = f.company_id AND d.day = f.day AND d.reason = f.reason)
            """;
        return new StoredComparison(
            truth.Count,
            lost,
            lostQuarantined,
            lostExamples,
            DroppedAndScored: await Scalar("SELECT count(*)" + DroppedAndScored),
            DroppedAndScoredExamples: await Examples("SELECT r.post_id, 'dropped as ' || r.drop_reason" + DroppedAndScored + " ORDER BY r.post_id LIMIT 5"),
            RollupExcess: await Scalar(Rollup + "SELECT coalesce(sum(greatest(rollup - fresh, 0)), 0) FROM compared"),
            RollupShort: await Scalar(Rollup + "SELECT coalesce(sum(greatest(fresh - rollup, 0)), 0) FROM compared"),
            DropsExcess: await Scalar(Drops + "SELECT coalesce(sum(greatest(rollup - fresh, 0)), 0) FROM compared"),
            DropsShort: await Scalar(Drops + "SELECT coalesce(sum(greatest(fresh - rollup, 0)), 0) FROM compared"),
            QuarantinedAndScored: await Scalar("SELECT count(DISTINCT q.post_id) FROM pipeline.quarantine q JOIN pipeline.scored_posts s ON s.post_id = q.post_id"),
            Quarantine: await Scalar("SELECT count(*) FROM pipeline.quarantine"),
            Raw: await Scalar("SELECT count(*) FROM pipeline.raw_posts"),
            Scored: await Scalar("SELECT count(*) FROM pipeline.scored_posts"),
            Dropped: await Scalar("SELECT count(*) FROM pipeline.raw_posts WHERE drop_reason IS NOT NULL"),
            KeptUnscored: await Scalar("SELECT count(*) FROM pipeline.raw_posts r WHERE r.drop_reason IS NULL AND NOT EXISTS (SELECT 1 FROM pipeline.scored_posts s WHERE s.post_id = r.post_id)"),
            ScoredWithoutRaw: await Scalar("SELECT count(*) FROM pipeline.scored_posts s WHERE NOT EXISTS (SELECT 1 FROM pipeline.raw_posts r WHERE r.post_id = s.post_id)"),
            Outside: await Scalar("SELECT count(*) FROM pipeline.raw_posts r WHERE NOT EXISTS (SELECT 1 FROM unnest(@ids) AS t(id) WHERE t.id = r.post_id)", withIds: true));
    }
}

public sealed record StoredComparison(
    long Truth, long Lost, long LostQuarantined, IReadOnlyList<string> LostExamples, long DroppedAndScored,
    IReadOnlyList<string> DroppedAndScoredExamples, long RollupExcess, long RollupShort, long DropsExcess,
    long DropsShort, long QuarantinedAndScored, long Quarantine, long Raw, long Scored, long Dropped, long KeptUnscored, long ScoredWithoutRaw,
    long Outside)
{
    public long Duplicated => RollupExcess + DropsExcess + QuarantinedAndScored + DroppedAndScored;

    /// <summary>Counts below what the rows say: not double counting, but as wrong.</summary>
    public long Inconsistent => RollupShort + DropsShort + ScoredWithoutRaw;

    public void Print()
    {
        Console.WriteLine($"stored: {Raw} raw rows ({Scored} scored, {Dropped} dropped with a reason), {Quarantine} quarantined items");
        Console.WriteLine($"lost       {Lost,6}  ground-truth ids with no pipeline.raw_posts row" +
            (Lost > 0 ? $" ({LostQuarantined} of them quarantined; first: {string.Join(", ", LostExamples)})" : string.Empty));
        Console.WriteLine($"duplicated {Duplicated,6}  = {RollupExcess} daily_rollup posts above a fresh count of scored_posts" +
            $" + {DropsExcess} drop_counts posts above a fresh count of dropped raw_posts + {QuarantinedAndScored} quarantined ids that also have a scored row" +
            $" + {DroppedAndScored} posts counted both as dropped (raw row with a drop reason, in drop_counts) and as kept (a scored row, in daily_rollup)" +
            (DroppedAndScored > 0 ? $" (first: {string.Join(", ", DroppedAndScoredExamples)})" : string.Empty));
        Console.WriteLine($"also       {RollupShort} daily_rollup posts and {DropsShort} drop_counts posts below the fresh counts; {ScoredWithoutRaw} scored rows without a raw row;" +
            $" {KeptUnscored} kept raw rows without a scored row; {Outside} raw rows outside the ground truth (appeared before its window)");
    }
}
