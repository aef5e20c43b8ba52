using System.Diagnostics;
using System.Globalization;
using Pipeline.Models.Language;
using Pipeline.Tests.Shared;

namespace Pipeline.Benchmarks;

/// <summary>
/// The language identifier's accuracy on labelled files and its cost per post, for each detection mode in the same
/// run; and the builder of the shipped Pidgin marker list.
/// </summary>
internal static class LanguageBenchmark
{
    private static readonly string SharedData = Path.Combine("..", "shared", "data");

    public static string DefaultPidginTrain => Path.Combine(SharedData, "sentiment-pidgin", "train_text.txt");

    public static string DefaultEnglishTrain => Path.Combine(SharedData, "sentiment", "train_text.txt");

    /// <summary>Writes <c>src/Pipeline.Models/Language/pidgin-markers.tsv</c> from the two training files.</summary>
    public static void BuildMarkers(string pidginTrain, string englishTrain, string output)
    {
        var options = PidginMarkerOptions.Default;
        var markers = PidginMarkerBuilder.Build(File.ReadLines(pidginTrain), File.ReadLines(englishTrain), options);
        using (var writer = new StreamWriter(output) { NewLine = "\n" })
        {
            PidginMarkerBuilder.Write(writer, markers,
            [
                "Nigerian Pidgin marker words: common in Pidgin posts, rare in English ones. Built by",
                "`dotnet run -c Release --project benchmarks/Pipeline.Benchmarks -- language-markers` (PidginMarkerBuilder)",
                FormattableString.Invariant($"with min Pidgin posts {options.MinPidginDocuments}, min log-odds {options.MinLogOdds}, max English share {options.MaxEnglishShare}, from:"),
                "- Pidgin: AfriSenti-SemEval 2023 `pcm` TRAINING split (github.com/afrisenti-semeval/afrisent-semeval-2023,",
                "  data/pcm/train.tsv), CC BY 4.0: Muhammad et al., \"AfriSenti: A Twitter Sentiment Analysis Benchmark for",
                "  African Languages\", EMNLP 2023; Muhammad et al., \"SemEval-2023 Task 12: Sentiment Analysis for African",
                "  Languages (AfriSenti-SemEval)\", SemEval 2023; Muhammad et al., \"NaijaSenti: A Nigerian Twitter Sentiment",
                "  Corpus for Multilingual Sentiment Analysis\", LREC 2022. Only word counts are kept here, no post.",
                "- English: the SemEval-2017 Task 4A training pool used for the sentiment model (counts only).",
                "word\tPidgin posts (of " + File.ReadLines(pidginTrain).Count().ToString(CultureInfo.InvariantCulture) +
                    ")\tEnglish posts (of " + File.ReadLines(englishTrain).Count().ToString(CultureInfo.InvariantCulture) + ")\tlog-odds",
            ]);
        }

        Console.WriteLine($"{markers.Count} markers written to {output}");
        Console.WriteLine(string.Join(' ', markers.Take(60).Select(m => m.Word)));
    }

    /// <summary>One labelled file: what the posts are, and which decisions count as right for them.</summary>
    private sealed record LabelledFile(string Name, string Path, string Expected);

    /// <summary>
    /// How many English and Pidgin TRAINING posts each min-confidence would drop as foreign (the threshold is chosen
    /// on these, never on the val files), and, for information, how many benchmark foreign posts it drops.
    /// </summary>
    public static void Sweep(string englishTrain, string pidginTrain, string foreign, string? bankTweets)
    {
        double[] thresholds = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.995];
        var wanted = new HashSet<string>(StringComparer.Ordinal) { LanguageCodes.English, LanguageCodes.Pidgin };
        foreach (var mode in new[] { LanguageDetectionMode.HighAccuracy, LanguageDetectionMode.LowAccuracy })
        {
            var identifier = new LanguageIdentifier(LanguageDetectionSettings.Default with { Mode = mode, MinConfidence = thresholds[0] });
            Console.WriteLine($"== {mode}: posts dropped as foreign at each min-language-confidence");
            Console.WriteLine($"{"file",-32} {"posts",6} " + string.Join(' ', thresholds.Select(t => FormattableString.Invariant($"{t,7:0.00#}"))));
            foreach (var (name, texts) in new[]
                     {
                         ("English train", File.ReadLines(englishTrain).ToList()),
                         ("Pidgin train", File.ReadLines(pidginTrain).ToList()),
                         ("non-English (benchmarks/data)", ReadForeign(foreign).Select(p => p.Text).ToList()),
                         ("bank tweets 2023 (unlabelled)", bankTweets is not null && File.Exists(bankTweets) ? ReadCsvColumn(bankTweets, "tweet").ToList() : []),
                     })
            {
                var guesses = texts.Select(identifier.Identify).ToList();
                var cells = thresholds.Select(t =>
                {
                    var dropped = guesses.Count(g => g.Code is { } code && !wanted.Contains(code) && g.Confidence >= t);
                    return FormattableString.Invariant($"{100.0 * dropped / Math.Max(1, texts.Count),6:0.00}%");
                });
                Console.WriteLine($"{name,-32} {texts.Count,6} " + string.Join(' ', cells));
            }
        }
    }

    /// <summary>What the identifier decides for a simulated week of the demo's Nitter conversation, by kind of post.</summary>
    public static void Simulator()
    {
        var origin = new DateTimeOffset(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);
        var generator = new Pipeline.Actors.Sources.Simulator.ConversationGenerator(SyntheticTweets.Companies,
            new Pipeline.Actors.Sources.Simulator.SimulationSettings(2023, origin, TimeSpan.FromDays(7), 2000, 20));
        var identifier = new LanguageIdentifier(LanguageDetectionSettings.Default);
        var posts = generator.Between(origin.AddDays(-7), origin).ToList();
        Console.WriteLine($"{posts.Count:N0} simulated posts (a week, seed 2023): decided language per kind of post");
        foreach (var kind in posts.GroupBy(p => p.Kind).OrderByDescending(g => g.Count()))
        {
            var codes = kind.GroupBy(p => identifier.Identify(p.Text).Code ?? "undetermined")
                .OrderByDescending(g => g.Count())
                .Select(g => FormattableString.Invariant($"{g.Key} {100.0 * g.Count() / kind.Count():0.0}%"));
            Console.WriteLine($"{kind.Key,-14} {kind.Count(),6}  {string.Join(", ", codes)}");
        }

        var all = posts.GroupBy(p => identifier.Identify(p.Text).Code ?? "undetermined").OrderByDescending(g => g.Count())
            .Select(g => FormattableString.Invariant($"{g.Key} {100.0 * g.Count() / posts.Count:0.0}%"));
        Console.WriteLine($"{"all",-14} {posts.Count,6}  {string.Join(", ", all)}");
        foreach (var (kind, text, code) in posts.Where(p => p.Kind == Pipeline.Actors.Sources.Simulator.SimulatedKind.Foreign)
                     .Select(p => (p.Kind, p.Text, identifier.Identify(p.Text).Code)).DistinctBy(p => p.Code).Take(10))
        {
            Console.WriteLine($"  e.g. {code ?? "undetermined"}: {text}");
        }
    }

    public static void Run(string englishVal, string pidginVal, string foreign, string? bankTweets, double seconds)
    {
        var files = new List<LabelledFile>
        {
            new("English val (TweetEval)", englishVal, LanguageCodes.English),
            new("Pidgin val (AfriSenti pcm)", pidginVal, LanguageCodes.Pidgin),
        };
        var foreignFile = new LabelledFile("non-English (benchmarks/data)", foreign, "xx");
        var foreignPosts = ReadForeign(foreign);
        var wanted = new HashSet<string>(StringComparer.Ordinal) { LanguageCodes.English, LanguageCodes.Pidgin };

        Console.WriteLine($"Kept = en, pcm or undetermined (kept per keep-undetermined-language = on); languages = [en, pcm].");
        foreach (var mode in new[] { LanguageDetectionMode.HighAccuracy, LanguageDetectionMode.LowAccuracy })
        {
            var identifier = new LanguageIdentifier(LanguageDetectionSettings.For(mode));
            var load = Stopwatch.StartNew();
            identifier.Warm();
            Console.WriteLine();
            Console.WriteLine($"== {mode} (min-confidence {identifier.Settings.MinConfidence:0.00}, min-words {identifier.Settings.MinWords}); models loaded in {load.Elapsed.TotalSeconds:0.0} s, process working set {Environment.WorkingSet / (1 << 20)} MiB");
            Console.WriteLine($"{"file",-32} {"posts",6} {"right",7} {"kept",7} {"en",6} {"pcm",6} {"undet.",6} {"other",6} {"µs/post",7}  top others");
            foreach (var file in files)
            {
                var texts = File.ReadLines(file.Path).ToList();
                Report(file, texts.Select(t => (t, file.Expected)).ToList(), identifier, wanted);
            }

            Report(foreignFile, foreignPosts, identifier, wanted);
            if (bankTweets is not null && File.Exists(bankTweets))
            {
                var tweets = ReadCsvColumn(bankTweets, "tweet").ToList();
                Report(new LabelledFile("bank tweets 2023 (unlabelled)", bankTweets, "?"), tweets.Select(t => (t, "?")).ToList(), identifier, wanted);
            }

            var sample = File.ReadLines(englishVal).Concat(File.ReadLines(pidginVal)).Concat(foreignPosts.Select(p => p.Text)).ToList();
            Cost(identifier, sample, seconds);
        }
    }

    private static void Report(LabelledFile file, IReadOnlyList<(string Text, string Expected)> posts, LanguageIdentifier identifier, HashSet<string> wanted)
    {
        int right = 0, kept = 0, en = 0, pcm = 0, undetermined = 0, other = 0;
        var others = new Dictionary<string, int>(StringComparer.Ordinal);
        var perLanguage = new SortedDictionary<string, (int Posts, int Dropped)>(StringComparer.Ordinal);
        // Each file once more, timed alone: its cost per post depends on how many of its posts reach Lingua.
        var clock = Stopwatch.StartNew();
        foreach (var (text, _) in posts)
        {
            identifier.Identify(text);
        }

        var microseconds = 1e6 * clock.Elapsed.TotalSeconds / Math.Max(1, posts.Count);
        foreach (var (text, expected) in posts)
        {
            var code = identifier.Identify(text).Code;
            var isKept = code is null || wanted.Contains(code);
            kept += isKept ? 1 : 0;
            switch (code)
            {
                case null: undetermined++; break;
                case LanguageCodes.English: en++; break;
                case LanguageCodes.Pidgin: pcm++; break;
                default:
                    other++;
                    others[code] = others.GetValueOrDefault(code) + 1;
                    break;
            }

            if (file.Expected == "xx")
            {
                // Right for a foreign post: the language named, or at least not called one of the kept ones.
                right += code == expected || (code is not null && !wanted.Contains(code)) ? 1 : 0;
                var (n, d) = perLanguage.GetValueOrDefault(expected);
                perLanguage[expected] = (n + 1, d + (isKept ? 0 : 1));
            }
            else
            {
                right += code == expected ? 1 : 0;
            }
        }

        var n0 = Math.Max(1, posts.Count);
        var top = string.Join(", ", others.OrderByDescending(o => o.Value).Take(5).Select(o => $"{o.Key} {o.Value}"));
        Console.WriteLine(FormattableString.Invariant(
            $"{file.Name,-32} {posts.Count,6} {(file.Expected == "?" ? "-" : $"{100.0 * right / n0:0.0}%"),7} {100.0 * kept / n0,6:0.0}% {en,6} {pcm,6} {undetermined,6} {other,6} {microseconds,7:0.0}  {top}"));
        if (Environment.GetEnvironmentVariable("PIPELINE_LANGUAGE_EXAMPLES") is { } wantedExamples && int.TryParse(wantedExamples, out var examples))
        {
            foreach (var (text, _) in posts.Where(p => identifier.Identify(p.Text) is { Code: { } c } && !wanted.Contains(c)).Take(examples))
            {
                var guess = identifier.Identify(text);
                Console.WriteLine(FormattableString.Invariant($"    {guess.Code} {guess.Confidence:0.00}: {text}"));
            }
        }

        if (perLanguage.Count > 0)
        {
            Console.WriteLine("    dropped as non_english per language: " +
                string.Join(", ", perLanguage.Select(p => FormattableString.Invariant($"{p.Key} {p.Value.Dropped}/{p.Value.Posts}"))));
        }
    }

    private static void Cost(LanguageIdentifier identifier, IReadOnlyList<string> texts, double seconds)
    {
        // Single thread, as the graph's clean stage runs: posts per second of one core.
        var clock = Stopwatch.StartNew();
        long posts = 0;
        var checksum = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            foreach (var text in texts)
            {
                checksum += identifier.Identify(text).Code?.Length ?? 0;
            }

            posts += texts.Count;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"cost: {1e6 * elapsed / posts:0.0} µs/post, {posts / elapsed:N0} posts/s on one thread ({posts:N0} posts of the three files, checksum {checksum})"));
    }

    /// <summary>The foreign file: <c>code&lt;TAB&gt;text</c> a line, <c>#</c> comments.</summary>
    private static List<(string Text, string Expected)> ReadForeign(string path) =>
        File.ReadLines(path)
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split('\t', 2))
            .Where(p => p.Length == 2)
            .Select(p => (p[1], p[0].Trim()))
            .ToList();

    private static IEnumerable<string> ReadCsvColumn(string path, string column)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvHelper.CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        while (csv.Read())
        {
            yield return csv.GetField(column) ?? string.Empty;
        }
    }
}
