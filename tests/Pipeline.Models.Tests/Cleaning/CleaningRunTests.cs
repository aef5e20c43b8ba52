using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using static Pipeline.Models.Tests.Cleaning.TestCompanies;

namespace Pipeline.Models.Tests.Cleaning;

/// <summary>
/// A run of a graph remembers the ids it cleaned only once their batch is committed: a run that fails
/// loses nothing when the same posts come again, while duplicates within a run are still caught.
/// </summary>
public sealed class CleaningRunTests
{
    private readonly PostCleaner _cleaner = new(CleaningPolicy.Default, TestCompanies.Directory);

    private static RawPost Complaint(long id) => Post($"@gtbank transfer {id} failed since morning", GtBank.Id, id: id);

    private static DropReason? Reason(CleaningOutcome outcome) => (outcome as CleaningOutcome.Dropped)?.Reason;

    [Fact]
    public void Id_cleaned_in_a_run_is_a_duplicate_within_that_run_before_it_is_committed()
    {
        var run = _cleaner.BeginRun();

        Assert.IsType<CleaningOutcome.Kept>(run.Clean(Complaint(1)));
        Assert.Equal(DropReason.DuplicateId, Reason(run.Clean(Complaint(1))));
    }

    [Fact]
    public void Ids_of_a_run_that_never_committed_them_are_not_remembered()
    {
        var failed = _cleaner.BeginRun();
        failed.Clean(Complaint(1));
        failed.Clean(Complaint(2));
        failed.Committed([new PostId(1)]);

        var again = _cleaner.BeginRun();

        Assert.Equal(DropReason.DuplicateId, Reason(again.Clean(Complaint(1))));
        Assert.IsType<CleaningOutcome.Kept>(again.Clean(Complaint(2)));
    }

    [Fact]
    public void Committed_id_is_a_duplicate_for_every_later_run_and_for_the_cleaner_itself()
    {
        var run = _cleaner.BeginRun();
        run.Clean(Complaint(1));
        run.Committed([new PostId(1)]);

        Assert.Equal(DropReason.DuplicateId, Reason(_cleaner.BeginRun().Clean(Complaint(1))));
        Assert.Equal(DropReason.DuplicateId, Reason(_cleaner.Clean(Complaint(1))));
    }

    [Fact]
    public void A_failed_run_does_not_forget_the_ids_another_run_committed()
    {
        var imports = _cleaner.BeginRun();
        var scrapers = _cleaner.BeginRun();
        imports.Clean(Complaint(1));
        scrapers.Clean(Complaint(2));
        scrapers.Committed([new PostId(2)]);
        // The import's graph fails here: its run is dropped with id 1 uncommitted.

        var retry = _cleaner.BeginRun();

        Assert.IsType<CleaningOutcome.Kept>(retry.Clean(Complaint(1)));
        Assert.Equal(DropReason.DuplicateId, Reason(retry.Clean(Complaint(2))));
    }

    [Fact]
    public void Commit_of_a_post_also_commits_every_post_cleaned_before_it_in_the_run()
    {
        // Batches commit in stream order: a post a scoring stage quarantined reaches the sink without
        // its RawPost, but the commit of a later post proves its batch was committed too.
        var run = _cleaner.BeginRun();
        run.Clean(Complaint(1));
        run.Clean(Complaint(2));
        run.Clean(Complaint(3));
        run.Committed([new PostId(2)]);

        var later = _cleaner.BeginRun();

        Assert.Equal(DropReason.DuplicateId, Reason(later.Clean(Complaint(1))));
        Assert.Equal(DropReason.DuplicateId, Reason(later.Clean(Complaint(2))));
        Assert.IsType<CleaningOutcome.Kept>(later.Clean(Complaint(3)));
    }

    [Fact]
    public void Commit_of_an_id_the_run_did_not_clean_commits_nothing()
    {
        var run = _cleaner.BeginRun();
        run.Clean(Complaint(1));
        run.Committed([new PostId(99)]);

        Assert.IsType<CleaningOutcome.Kept>(_cleaner.BeginRun().Clean(Complaint(1)));
    }

    [Fact]
    public void Retweet_text_counts_as_seen_only_once_its_post_is_committed()
    {
        RawPost Retweet(long id) => Post("RT @tunde: @gtbank reversed my money within an hour, thank you", GtBank.Id, isRetweet: true, id: id);
        var failed = _cleaner.BeginRun();
        Assert.IsType<CleaningOutcome.Kept>(failed.Clean(Retweet(10)));
        Assert.Equal(DropReason.DuplicateRetweet, Reason(failed.Clean(Retweet(11))));

        var retry = _cleaner.BeginRun();
        Assert.IsType<CleaningOutcome.Kept>(retry.Clean(Retweet(10)));
        retry.Committed([new PostId(10)]);

        Assert.Equal(DropReason.DuplicateRetweet, Reason(_cleaner.BeginRun().Clean(Retweet(12))));
    }

    [Fact]
    public void Uncommitted_ids_of_a_run_are_bounded_by_the_duplicate_window()
    {
        var cleaner = new PostCleaner(CleaningPolicy.Default with { DuplicateWindow = 2 }, TestCompanies.Directory);
        var run = cleaner.BeginRun();
        run.Clean(Complaint(1));
        run.Clean(Complaint(2));
        run.Clean(Complaint(3));

        Assert.Equal(2, run.Uncommitted);
        Assert.IsType<CleaningOutcome.Kept>(run.Clean(Complaint(1)));
        Assert.Equal(DropReason.DuplicateId, Reason(run.Clean(Complaint(3))));
    }

    [Fact]
    public void Committed_ids_leave_the_runs_uncommitted_set()
    {
        var run = _cleaner.BeginRun();
        foreach (var id in Enumerable.Range(1, 100))
        {
            run.Clean(Complaint(id));
        }

        run.Committed([new PostId(100)]);

        Assert.Equal(0, run.Uncommitted);
    }

    [Fact]
    public async Task Run_cleaning_and_committing_on_different_threads_commits_every_id_once()
    {
        var run = _cleaner.BeginRun();
        var ids = Enumerable.Range(1, 20_000).Select(i => 1_700_000_000_000_000_000L + i).ToList();
        var cleaned = new System.Collections.Concurrent.BlockingCollection<long>();

        var cleaning = Task.Run(() =>
        {
            foreach (var id in ids)
            {
                Assert.IsType<CleaningOutcome.Kept>(run.Clean(Complaint(id)));
                cleaned.Add(id);
            }

            cleaned.CompleteAdding();
        });
        var committing = Task.Run(() =>
        {
            foreach (var batch in cleaned.GetConsumingEnumerable().Chunk(97))
            {
                run.Committed(batch.Select(id => new PostId(id)));
            }
        });
        await Task.WhenAll(cleaning, committing);

        Assert.Equal(0, run.Uncommitted);
        var later = _cleaner.BeginRun();
        Assert.All(ids.TakeLast(1_000), id => Assert.Equal(DropReason.DuplicateId, Reason(later.Clean(Complaint(id)))));
    }
}
