using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Pipeline.Benchmarks;

/// <summary>Command-line durations as people write them: <c>60s</c>, <c>2m</c>, <c>500ms</c>, <c>1h</c> (a bare number is seconds).</summary>
public static partial class Durations
{
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Single().Value.Trim();
        var match = Duration().Match(text);
        if (match.Success && double.TryParse(match.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            return match.Groups["unit"].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(value),
                "m" or "min" => TimeSpan.FromMinutes(value),
                "h" => TimeSpan.FromHours(value),
                _ => TimeSpan.FromSeconds(value),
            };
        }

        result.AddError($"'{text}' is not a positive duration (e.g. 60s, 2m, 500ms)");
        return TimeSpan.Zero;
    }

    [GeneratedRegex(@"^(?<value>[0-9]+(\.[0-9]+)?)\s*(?<unit>ms|s|m|min|h)?$")]
    private static partial Regex Duration();
}
