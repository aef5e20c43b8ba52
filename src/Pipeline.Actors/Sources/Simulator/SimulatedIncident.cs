using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>
/// A burst of customer posts of one theme about one company, on top of the calm background: what an
/// alert detector should notice. The extra posts are customer posts like any other (same templates
/// and slots), so only their number, theme and company give the incident away.
/// </summary>
/// <param name="Kind">What happened, one of <see cref="IncidentKinds.Themes"/>' keys (for logs and tests).</param>
/// <param name="Theme">The conversation theme the extra posts are written in (<c>== theme NAME</c> in conversation.txt).</param>
/// <param name="PostsPerMinute">Mean extra posts a minute once the incident is at full strength.</param>
/// <param name="Ramp">
/// How long the rate takes to climb linearly from nothing to <paramref name="PostsPerMinute"/>: news of a
/// fraud scare or a promotion spreads, an outage is noticed at once (no ramp).
/// </param>
public sealed record SimulatedIncident(
    string Kind, CompanyId Company, string Theme, DateTimeOffset Start, TimeSpan Duration, double PostsPerMinute, TimeSpan Ramp = default)
{
    public DateTimeOffset End => Start + Duration;

    /// <summary>Mean extra posts in the minute starting at <paramref name="minuteStart"/>: the part of it inside the incident, ramp included.</summary>
    public double MeanIn(DateTimeOffset minuteStart)
    {
        var from = minuteStart > Start ? minuteStart : Start;
        var to = minuteStart.AddMinutes(1) < End ? minuteStart.AddMinutes(1) : End;
        if (to <= from)
        {
            return 0;
        }

        // The ramp is read at the middle of the covered part: a minute's mean is then exact for a linear ramp.
        var middle = from + (to - from) / 2;
        var strength = Ramp <= TimeSpan.Zero ? 1.0 : Math.Min(1.0, (middle - Start) / Ramp);
        return PostsPerMinute * strength * ((to - from) / TimeSpan.FromMinutes(1));
    }
}

/// <summary>The kinds of incident the simulator knows, and the theme each one is written in.</summary>
public static class IncidentKinds
{
    public const string AppOutage = "app-outage";
    public const string FraudScare = "fraud-scare";
    public const string Promotion = "promotion";
    public const string TransferFailures = "transfer-failures";
    public const string UssdOutage = "ussd-outage";

    public static IReadOnlyDictionary<string, string> Themes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [AppOutage] = "app_outage",
        [FraudScare] = "fraud",
        [Promotion] = "promotion",
        [TransferFailures] = "transfer_failed",
        [UssdOutage] = "ussd",
    };

    /// <param name="kind">One of <see cref="Themes"/>' keys.</param>
    public static SimulatedIncident Incident(string kind, CompanyId company, DateTimeOffset start, TimeSpan duration, double postsPerMinute,
        TimeSpan ramp = default) =>
        Themes.TryGetValue(kind, out var theme)
            ? new SimulatedIncident(kind, company, theme, start, duration, postsPerMinute, ramp)
            : throw new ArgumentException($"Unknown incident kind '{kind}': one of {string.Join(", ", Themes.Keys)}.", nameof(kind));
}
