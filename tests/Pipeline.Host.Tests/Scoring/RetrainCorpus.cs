using System.Globalization;
using Pipeline.Models.Topics;

namespace Pipeline.Host.Tests.Scoring;

/// <summary>
/// "Yesterday's conversation" (three themes) and "a new week" (the same three and a fourth, loans), as posts about
/// GTBank: small enough that LDA trains on them in a second, distinct enough (ten words a theme, so a topic's top ten are its theme's) that the topics come out the same every run.
/// </summary>
internal static class RetrainCorpus
{
    public static readonly string[][] OldThemes =
    [
        ["card", "atm", "pin", "blocked", "swallowed", "machine", "withdrawal", "branch", "cash", "dispense"],
        ["transfer", "reversal", "debit", "pending", "beneficiary", "credited", "recipient", "refund", "sender", "wallet"],
        ["app", "login", "crash", "update", "password", "otp", "screen", "error", "phone", "biometric"],
    ];

    public static readonly string[] NewTheme = ["loan", "interest", "repayment", "collateral", "approval", "salary", "lender", "installment", "borrow", "overdraft"];

    /// <summary>Texts of the old themes, round robin; each unique (a reference number) so cleaning keeps every one.</summary>
    public static IReadOnlyList<string> Yesterday(int count, int seed = 3) => Texts(OldThemes, count, seed);

    /// <summary>The week's texts: the old themes and the new one, each a quarter.</summary>
    public static IReadOnlyList<string> NewWeek(int count, int seed = 11) => Texts([.. OldThemes, NewTheme], count, seed);

    /// <summary>The model in use before the week: trained on yesterday's conversation, three topics with ids 0, 1, 2.</summary>
    public static string SaveYesterdaysModel(string folder)
    {
        var result = TopicTrainer.Train(Yesterday(300), Training(topics: 3), new TopicTrainingOptions(TrainedOn: new DateOnly(2023, 6, 1)));
        result.Save(folder);
        return folder;
    }

    /// <summary>Quick training that still separates the themes (what <c>pipeline.topics.training</c> is set to in the specs).</summary>
    public static TopicTrainingSettings Training(int topics) => new()
    {
        Topics = topics,
        Iterations = 200,
        BurninIterations = 5,
        MinDocumentCount = 3,
        MaxDocumentFraction = 0.9,
        TopWords = 10,
        AlphaSum = 1,
        SamplingSteps = 8,
        Seed = 7,
    };

    public const string TrainingHocon = "pipeline.topics.training { topics = 4, iterations = 200, burnin-iterations = 5, min-document-count = 3, max-document-fraction = 0.9, top-words = 10, alpha-sum = 1, sampling-steps = 8, seed = 7, threads = 1 }";

    /// <summary>JSON lines of <paramref name="texts"/> as GTBank posts spread over the last six days, ids from <paramref name="firstId"/>.</summary>
    public static void WriteJsonLines(string path, IReadOnlyList<string> texts, long firstId, DateTimeOffset now)
    {
        var rows = texts.Select((text, i) => new SyntheticTweets.Row(
            firstId + i, text, now.AddDays(-6).AddMinutes(i * 6.0 * 24 * 60 / texts.Count), $"user{i % 50}", "gtbank", "en", 0, 0, false, null));
        SyntheticTweets.WriteJsonLines(path, rows);
    }

    private static List<string> Texts(string[][] themes, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count)
            .Select(i =>
            {
                var words = string.Join(' ', Enumerable.Range(0, 7).Select(_ => themes[i % themes.Length][random.Next(themes[i % themes.Length].Length)]));
                return string.Create(CultureInfo.InvariantCulture, $"@gtbank {words} ref{i}x{seed}");
            })
            .ToList();
    }
}
