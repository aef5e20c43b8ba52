using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Pipeline.Host.Tests.Http;

/// <summary>One sample line: the series name, its labels in the order written, its value.</summary>
internal sealed record Sample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value)
{
    public string? Label(string name) => Labels.FirstOrDefault(l => l.Key == name).Value;

    public bool Has(params (string Name, string Value)[] labels) => labels.All(l => Label(l.Name) == l.Value);
}

/// <summary>A metric family: its <c># TYPE</c>, its <c># HELP</c>, and its samples (a histogram's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> included).</summary>
internal sealed record Family(string Name, string Type, string? Help, IReadOnlyList<Sample> Samples);

/// <summary>
/// A strict reader of the Prometheus text format 0.0.4, as a scraper reads it: anything it would refuse (a malformed
/// line, a sample of no declared family, a family or series written twice, a bad escape, a value that is not a
/// number) fails the test with the line.
/// </summary>
internal static partial class PrometheusText
{
    private static readonly HashSet<string> Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static IReadOnlyDictionary<string, Family> Parse(string text)
    {
        Assert.EndsWith("\n", text);
        var families = new Dictionary<string, (string Type, string? Help, List<Sample> Samples)>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var match = Help().Match(line);
                Assert.True(match.Success, $"malformed HELP: {line}");
                Assert.True(helps.TryAdd(match.Groups[1].Value, match.Groups[2].Value), $"HELP written twice: {line}");
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var match = TypeLine().Match(line);
                Assert.True(match.Success && Types.Contains(match.Groups[2].Value), $"malformed TYPE: {line}");
                Assert.False(families.ContainsKey(match.Groups[1].Value), $"TYPE written twice: {line}");
                families[match.Groups[1].Value] = (match.Groups[2].Value, helps.GetValueOrDefault(match.Groups[1].Value), []);
            }
            else
            {
                Assert.False(line.Length == 0 || line.StartsWith('#'), $"unexpected line: '{line}'");
                var sample = ParseSample(line);
                var family = FamilyOf(sample.Name, families);
                Assert.True(family is not null, $"sample of no declared family: {line}");
                Assert.True(series.Add(sample.Name + "{" + string.Join(",", sample.Labels.Select(l => $"{l.Key}={l.Value}")) + "}"), $"series written twice: {line}");
                families[family].Samples.Add(sample);
            }
        }

        return families.ToDictionary(f => f.Key, f => new Family(f.Key, f.Value.Type, f.Value.Help, f.Value.Samples), StringComparer.Ordinal);
    }

    /// <summary>
    /// The buckets of one histogram series: (<c>le</c>, cumulative count) in the order written, after checking what
    /// the format promises: ascending bounds ending at <c>+Inf</c>, counts that never decrease, the <c>+Inf</c> bucket
    /// equal to <c>_count</c>, a <c>_sum</c>.
    /// </summary>
    public static IReadOnlyList<(double Le, double Count)> Buckets(Family histogram, params (string Name, string Value)[] labels)
    {
        Assert.Equal("histogram", histogram.Type);
        var buckets = histogram.Samples.Where(s => s.Name == histogram.Name + "_bucket" && s.Has(labels))
            .Select(s => (Le: ParseValue(s.Label("le") ?? throw new Xunit.Sdk.XunitException($"bucket without le in {histogram.Name}")), Count: s.Value))
            .ToList();
        Assert.True(buckets.Count >= 2, $"{histogram.Name}{Describe(labels)} has {buckets.Count} buckets");
        Assert.Equal(double.PositiveInfinity, buckets[^1].Le);
        for (var i = 1; i < buckets.Count; i++)
        {
            Assert.True(buckets[i].Le > buckets[i - 1].Le, $"{histogram.Name}: le {buckets[i].Le} after {buckets[i - 1].Le}");
            Assert.True(buckets[i].Count >= buckets[i - 1].Count, $"{histogram.Name}: bucket le={buckets[i].Le} counts {buckets[i].Count} < {buckets[i - 1].Count}");
        }

        Assert.Equal(Single(histogram, "_count", labels), buckets[^1].Count);
        Assert.True(Single(histogram, "_sum", labels) >= 0, $"{histogram.Name}_sum is negative");
        return buckets;
    }

    /// <summary>The one sample of <paramref name="family"/> named with <paramref name="suffix"/> and carrying <paramref name="labels"/>.</summary>
    public static double Single(Family family, string suffix, params (string Name, string Value)[] labels)
    {
        var samples = family.Samples.Where(s => s.Name == family.Name + suffix && s.Has(labels)).ToList();
        Assert.True(samples.Count == 1, $"{samples.Count} samples of {family.Name}{suffix}{Describe(labels)}");
        return samples[0].Value;
    }

    private static string? FamilyOf(string sample, Dictionary<string, (string Type, string? Help, List<Sample> Samples)> families)
    {
        if (families.ContainsKey(sample))
        {
            return sample;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && families.TryGetValue(sample[..^suffix.Length], out var f) && f.Type is "histogram" or "summary")
            {
                return sample[..^suffix.Length];
            }
        }

        return null;
    }

    private static Sample ParseSample(string line)
    {
        var name = MetricName().Match(line);
        Assert.True(name.Success, $"no metric name: {line}");
        var position = name.Length;
        var labels = new List<KeyValuePair<string, string>>();
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (line[position] != '}')
            {
                var label = LabelName().Match(line, position);
                Assert.True(label.Success && label.Index == position, $"bad label name at {position}: {line}");
                position += label.Length;
                Assert.True(line[position] == '=' && line[position + 1] == '"', $"label without =\"value\": {line}");
                position += 2;
                var value = new StringBuilder();
                for (; line[position] != '"'; position++)
                {
                    if (line[position] == '\\')
                    {
                        position++;
                        value.Append(line[position] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var c => throw new Xunit.Sdk.XunitException($"bad escape \\{c}: {line}"),
                        });
                    }
                    else
                    {
                        value.Append(line[position]);
                    }
                }

                Assert.DoesNotContain(labels, l => l.Key == label.Value);
                labels.Add(new(label.Value, value.ToString()));
                position++;
                if (line[position] == ',')
                {
                    position++;
                }
                else
                {
                    Assert.True(line[position] == '}', $"labels not closed: {line}");
                }
            }

            position++;
        }

        Assert.True(position < line.Length && line[position] == ' ', $"no space before the value: {line}");
        // Exactly one value, no timestamp: the service never writes one.
        return new Sample(name.Value, labels, ParseValue(line[(position + 1)..]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw new Xunit.Sdk.XunitException($"not a number: '{text}'"),
    };

    private static string Describe((string Name, string Value)[] labels) =>
        labels.Length == 0 ? string.Empty : "{" + string.Join(",", labels.Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";

    [GeneratedRegex(@"^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) ([a-z]+)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();
}
