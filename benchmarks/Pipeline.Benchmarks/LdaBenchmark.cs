using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CsvHelper;
using CsvHelper.Configuration;
using Pipeline.Models.Topics;

namespace Pipeline.Benchmarks;

/// <summary>
/// Trains ML.NET's LDA on a tweet CSV tokenised exactly as tools/topic_anchor.py tokenises, so
/// the coherence printed here and gensim's on the same corpus are on the same footing. Also
/// writes the tweets one a line and the topics as JSON for topic_anchor.py --score-topics.
/// </summary>
public static class LdaBenchmark
{
    public static void Run(string csvPath, LdaSettings settings, string outputPrefix, int? shuffleSeed)
    {
        var tweets = ReadTweets(csvPath);
        // topic_anchor.py reads one document a line, so newlines inside a tweet become spaces.
        File.WriteAllLines(outputPrefix + ".corpus.txt", tweets.Select(t => t.ReplaceLineEndings(" ")));

        var texts = tweets.Select(t => AnchorTokenizer.Tokenize(t.ReplaceLineEndings(" "))).ToArray();
        var vocabulary = AnchorVocabulary.Build(texts);
        // Training sees only the words gensim's dictionary keeps, as gensim's LdaModel does.
        var documents = texts.Select(t => (IReadOnlyList<string>)t.Where(vocabulary.Contains).ToArray()).ToArray();
        if (shuffleSeed is { } seed)
        {
            // The LDA seed changes nothing (see LdaSettings.Seed); document order does, so this is
            // how to see the spread between runs.
            new Random(seed).Shuffle(documents);
        }

        Console.WriteLine($"docs={documents.Length} vocab={vocabulary.Count} tokens={documents.Sum(d => d.Count)}");
        Console.WriteLine($"settings: {settings}");

        var watch = Stopwatch.StartNew();
        var model = LdaTrainer.Train(documents, settings);
        var trainSeconds = watch.Elapsed.TotalSeconds;

        foreach (var topic in model.Topics)
        {
            Console.WriteLine($"  t{topic.Id} ({topic.DocumentShare:P1}): {string.Join(' ', topic.Words.Take(10))}");
        }

        var topics = model.Topics.Select(t => (IReadOnlyList<string>)t.Words.Take(10).ToArray()).ToArray();
        var scores = Coherence.All(topics, texts);
        watch.Restart();
        var inferred = model.InferBatch(documents);
        var inferSeconds = watch.Elapsed.TotalSeconds;

        File.WriteAllText(outputPrefix + ".topics.json", JsonSerializer.Serialize(topics));
        Console.WriteLine(
            $"RESULT iters={settings.Iterations} alphaSum={settings.AlphaSum} beta={settings.Beta} threads={settings.NumberOfThreads} " +
            $"ngram={settings.NgramLength} shuffle={shuffleSeed?.ToString() ?? "none"} c_v={scores.CV:F4} u_mass={scores.UMass:F4} c_npmi={scores.Npmi:F4} " +
            $"train={trainSeconds:F2}s infer={inferred.Count / inferSeconds:F0} docs/s");
    }

    private static IReadOnlyList<string> ReadTweets(string path)
    {
        using var reader = new StreamReader(path);
        using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture));
        csv.Read();
        csv.ReadHeader();
        var tweets = new List<string>();
        while (csv.Read())
        {
            tweets.Add(csv.GetField("tweet") ?? "");
        }

        return tweets;
    }
}
