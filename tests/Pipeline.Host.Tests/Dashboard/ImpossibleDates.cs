using Npgsql;
using Pipeline.Actors.Storage;

namespace Pipeline.Host.Tests.Dashboard;

/// <summary>
/// Posts with dates no chart can show, as a database may hold them: some written by the sink as it is (which takes a
/// year-9999 post, and writes DateTime.MaxValue as 'infinity'), others inserted the way a release without the
/// <c>created_at</c> check left them (0001-01-01, a BC date, '-infinity'), plus a post dated a month ahead.
/// </summary>
internal static class ImpossibleDates
{
    /// <summary>Ids of the posts (kept and dropped) with impossible dates; none of the known dataset's.</summary>
    public static readonly long[] PostIds = [301, 302, 303, 304, 305, 306, 307, 308];

    public static async Task InsertAsync(NpgsqlDataSource dataSource)
    {
        var year9999 = new DateTimeOffset(9999, 12, 31, 12, 0, 0, TimeSpan.Zero);
        await DashboardData.WriteAsync(dataSource,
        [
            DashboardData.Scored(301, "gtbank", year9999, 1, "Transfers", 0.75, 0.25, 0.00),
            DashboardData.Scored(302, "access", DateTimeOffset.MaxValue, 2, "App", 0.1, 0.1, 0.8),
            DashboardData.Dropped(303, "gtbank", year9999, Pipeline.Models.Domain.DropReason.Spam),
            DashboardData.Scored(304, "gtbank", DateTimeOffset.UtcNow.AddDays(30), 1, "Transfers", 0.2, 0.2, 0.6),
        ]);

        // What the CHECK on raw_posts.created_at refuses today, stored as a database without it would have it.
        const string rows = """
            ALTER TABLE pipeline.raw_posts DROP CONSTRAINT raw_posts_created_at_check;
            INSERT INTO pipeline.raw_posts (post_id, company_id, source, author_handle, text, created_at, fetched_at, drop_reason)
            VALUES (305, 'gtbank', 'import', 'ada', 'year one', '0001-01-01 00:00:00+00', now(), NULL),
                   (306, 'access', 'import', 'ada', 'before Christ', '0044-03-15 12:00:00+00 BC', now(), NULL),
                   (307, 'gtbank', 'import', 'ada', 'minus infinity', '-infinity', now(), NULL),
                   (308, 'gtbank', 'import', 'ada', 'dropped in year one', '0001-01-01 00:00:00+00', now(), 'not_relevant');
            INSERT INTO pipeline.scored_posts (post_id, company_id, created_at, clean_text, sentiment_text, topic_id, topic_label,
                topic_model_version, sentiment_label, p_negative, p_neutral, p_positive, sentiment_score, sentiment_model_version)
            SELECT post_id, company_id, created_at, text, text, 1, 'Transfers', 'test-lda', 'positive', 0.1, 0.1, 0.8, 0.85, 'test-sentiment'
            FROM pipeline.raw_posts WHERE post_id IN (305, 306, 307);
            INSERT INTO pipeline.drop_counts (company_id, day, reason, posts)
            VALUES ('gtbank', '0001-01-01', 'not_relevant', 1), ('', '0044-03-15 BC', 'not_relevant', 1), ('', 'infinity', 'spam', 1);
            ALTER TABLE pipeline.raw_posts ADD CONSTRAINT raw_posts_created_at_check CHECK (created_at >= '2006-03-21') NOT VALID;
            """;
        await using var command = dataSource.CreateCommand(rows);
        await command.ExecuteNonQueryAsync();
    }
}
