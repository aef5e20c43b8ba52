using System.Diagnostics;
using System.Globalization;
using Pipeline.Actors.Import;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Topics;

namespace Pipeline.Benchmarks;

/// <summary>
/// The topic core of "topics that keep up" on a real corpus: the Unclassified share of a model under the fixed
/// rule (raw share against 0.4) and under its own calibrated rule with reassignment, and one
/// <see cref="TopicRetraining.Retrain"/> against it on the corpus as the window, timed.
/// </summary>
public static class TopicRetrainBenchmark
{
    public static async Task<int> RunAsync(string corpusPath, string modelDirectory, IReadOnlySet<string> domainStopwords, int? limit)
    {
        var texts = new List<string>();
        await foreach (var record in PostFileReader.ReadTextsAsync(corpusPath))
        {
            if (record.Text is { } text && (limit is null || texts.Count < limit))
                texts.Add(text);
        }

        var tokens = texts
            .Select(t => (IReadOnlyList<string>)TextNormalizer.TopicTokens(TextNormalizer.DecodeEntities(t), domainStopwords))
            .ToArray();
        var current = TopicModel.Load(modelDirectory);
        var fixedRule = TopicModel.Load(modelDirectory, TopicDecision.DefaultThreshold);
        var decisions = current.Decide(tokens).Select(d => d.Decision).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{current.Version} on {texts.Count:N0} texts of {Path.GetFileName(corpusPath)}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Unclassified, fixed rule (raw share >= 0.4):       {TopicRetraining.UnclassifiedShare(fixedRule, tokens):P1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Unclassified, own rule (threshold {current.Threshold:0.0000} on the posterior mean, reassignment {(current.ReassignMinShare is null ? "off" : "on")}): " +
            $"{(double)decisions.Count(d => d is TopicDecision.Unclassified) / decisions.Length:P1} " +
            $"({(double)decisions.Count(d => d is TopicDecision.Reassigned) / decisions.Length:P1} reassigned, " +
            $"{(double)decisions.Count(d => d is TopicDecision.Unclassified { Reason: UnclassifiedReason.NoKnownToken }) / decisions.Length:P1} without a known word)"));

        // How the Unclassified share (before reassignment) moves with the calibration quantile: the price of
        // admitting more random word bags as topical.
        if (current.PriorAlpha is { } alpha)
        {
            var known = tokens.Where(t => current.Lda.KnownTokens(t) > 0).Select(t => (IReadOnlyList<string>)t.Where(current.Lda.Vocabulary.Contains).ToArray()).ToArray();
            double Top(IReadOnlyList<string> document, float[] distribution) => TopicDecision.Smoothed(distribution, current.Lda.KnownTokens(document), alpha).Max();
            var realTops = current.Lda.InferBatch(known).Select((d, i) => Top(known[i], d)).ToArray();
            var shuffled = TopicCalibration.Shuffled(known, new TopicTrainingSettings().Seed);
            var nullTops = current.Lda.InferBatch(shuffled).Select((d, i) => Top(shuffled[i], d)).ToArray();
            foreach (var q in new[] { 0.5, 0.8, 0.9, 0.95, 0.99 })
            {
                var threshold = TopicCalibration.Quantile(nullTops, q);
                var below = realTops.Count(t => (float)t < (float)threshold) + (tokens.Length - known.Length);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  q{q * 100:0} of shuffled: threshold {threshold:0.0000}, Unclassified before reassignment {(double)below / tokens.Length:P1}"));
            }
        }

        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var outcome = TopicRetraining.Retrain(
            current, texts, new TopicTrainingSettings(), new TopicRetrainGate(), new TopicTrainingOptions(DomainStopwords: domainStopwords));
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Retrain on {texts.Count:N0} posts: {seconds:0.0} s wall, {cpuSeconds:0.0} s CPU (training {outcome.Candidate.Metrics.TrainingSeconds:0.0} s)"));
        Console.WriteLine($"  {outcome.Reason}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  current: c_v {outcome.Current.CV:0.000}, Unclassified {outcome.Current.UnclassifiedShare:P1}; candidate {outcome.Candidate.Model.Version}: c_v {outcome.Proposed.CV:0.000}, Unclassified {outcome.Proposed.UnclassifiedShare:P1}"));
        return 0;
    }
}
