using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;

namespace Pipeline.Host.Settings;

/// <summary>
/// The one place settings are judged. Values are read with Akka's own typed getters; a getter's failure and every rule
/// a caller declares (a range, a form, a relation between two settings) become a problem named by the HOCON path and
/// the value as written, collected so that one start-up shows them all.
/// </summary>
/// <remarks>
/// Not DataAnnotations / IValidateOptions: those judge the typed value and name a property, while an operator needs the
/// setting's path and what they wrote ("2h", not 02:00:00), which only the <see cref="Config"/> still has.
/// </remarks>
/// <param name="config">The object read; paths given to the getters are relative to it.</param>
/// <param name="at">Its own path, for messages (empty at the root).</param>
internal sealed class SettingsReader(Config config, string at = "", List<string>? problems = null)
{
    public List<string> Problems { get; } = problems ?? [];

    /// <summary>This object's own path, as messages name it.</summary>
    public string Path => at;

    /// <summary>The object at <paramref name="path"/>, whose problems go to the same list unless <paramref name="apart"/>.</summary>
    public SettingsReader Section(string path, bool apart = false) => new(config.GetConfig(path) ?? Config.Empty, Name(path), apart ? null : Problems);

    public string Name(string path) => at.Length == 0 ? path : $"{at}.{path}";

    public bool Has(string path) => config.HasPath(path);

    public void Problem(string problem) => Problems.Add(problem);

    /// <summary>Records <paramref name="problem"/> unless <paramref name="ok"/>.</summary>
    public bool Check(bool ok, string problem)
    {
        if (!ok) Problems.Add(problem);
        return ok;
    }

    /// <summary><paramref name="settings"/>, unless a problem was found: then all of them, at once.</summary>
    public T Judged<T>(T settings) => Problems.Count == 0 ? settings : throw new SettingsException(Problems);

    /// <summary>The value as written; null when absent or not a single value (a list, an object).</summary>
    public string? Raw(string path) =>
        config.HasPath(path) && Try(() => config.GetValue(path).IsArray() ? null : config.GetString(path), out var value) ? value : null;

    /// <summary><see cref="Raw"/>, or a list as <c>[a, b]</c>, for a message.</summary>
    public string? Written(string path) => config.HasPath(path) && config.GetValue(path).IsArray() ? $"[{string.Join(", ", List(path))}]" : Raw(path);

    public string String(string path)
    {
        var value = Raw(path) ?? string.Empty;
        Check(!string.IsNullOrWhiteSpace(value), $"{Name(path)}: must not be empty");
        return value;
    }

    public string? OptionalString(string path) => Raw(path) is { } value && !string.IsNullOrWhiteSpace(value) ? value : null;

    public bool Bool(string path) => Typed(path, p => config.GetBoolean(p), "on or off", false);

    /// <summary>A whole number whose range someone else judges (the core's own rules).</summary>
    public int Int(string path) => Typed(path, p => config.GetInt(p), "a whole number", 0);

    public int Int(string path, int min, int max) => Ranged(path, p => config.GetInt(p), min, max, $"between {min} and {max}", "a whole number ");

    /// <summary>A finite number whose range someone else judges.</summary>
    public double Double(string path) => Typed(path, Finite, "a number", 0);

    public double Double(string path, double min, double max) => Ranged(path, Finite, min, max, $"between {Show(min)} and {Show(max)}", "a number ");

    /// <summary>A number in range, or <c>auto</c> (null): let the model decide.</summary>
    public double? DoubleOrAuto(string path, double min, double max) =>
        string.Equals(Raw(path)?.Trim(), "auto", StringComparison.OrdinalIgnoreCase)
            ? null
            : Ranged(path, Finite, min, max, $"auto or a number between {Show(min)} and {Show(max)}", string.Empty);

    public TimeSpan Duration(string path, TimeSpan min, TimeSpan max) =>
        Ranged(path, p => config.GetTimeSpan(p, null, allowInfinite: false), min, max, $"between {Show(min)} and {Show(max)}",
            "a duration such as 500ms, 5s or 1m", sayRange: false);

    /// <summary><see cref="Duration(string, TimeSpan, TimeSpan)"/> with its bounds written as in the file (<c>"10ms", "5m"</c>).</summary>
    public TimeSpan Duration(string path, string min, string max) => Duration(path, Span(min), Span(max));

    /// <summary>A size in bytes: a number, or one with a unit such as 512KiB or 8MiB.</summary>
    public long ByteSize(string path, long min, long max) =>
        Ranged(path, p => config.GetByteSize(p) ?? throw new FormatException(), min, max,
            string.Create(CultureInfo.InvariantCulture, $"between {min:N0} and {max:N0} bytes"), "a size such as 512KiB or 8MiB", sayRange: false);

    /// <summary>A calendar day (UTC), written yyyy-MM-dd: HOCON has no date type.</summary>
    public DateTimeOffset Date(string path, DateTimeOffset min)
    {
        var date = Typed(path, p => new DateTimeOffset(DateTime.ParseExact(config.GetString(p), "yyyy-MM-dd", CultureInfo.InvariantCulture), TimeSpan.Zero),
            "a date written yyyy-MM-dd", min);
        Check(date >= min, $"{Name(path)} = \"{Raw(path)}\": must not be before {min:yyyy-MM-dd}");
        return date;
    }

    /// <summary>One of the words <paramref name="choices"/> maps (any case); the message lists them in order unless <paramref name="rule"/> says it.</summary>
    /// <param name="absent">The word an absent setting stands for; null: it must be there.</param>
    public T Choice<T>(string path, IReadOnlyDictionary<string, T> choices, string? absent = null, string? rule = null)
    {
        var word = (Raw(path) ?? absent)?.Trim().ToLowerInvariant();
        if (word is not null && choices.TryGetValue(word, out var value)) return value;
        Problems.Add($"{Name(path)} = \"{word}\": must be {rule ?? "one of " + string.Join(", ", choices.Keys)}");
        return choices.Values.First();
    }

    /// <summary>
    /// A list, or one string split at <paramref name="separator"/>: the form an environment override gives, since it
    /// replaces the file's list with a string.
    /// </summary>
    public IReadOnlyList<string> List(string path, char separator = ',') =>
        // Akka's HOCON says `[]` is no array (IsArray is false) and reads no string from it either: Raw gives null.
        Check(Try(() => !config.HasPath(path) ? [] : config.GetValue(path).IsArray() ? config.GetStringList(path) : (Raw(path) ?? string.Empty).Split(separator),
            out var items), $"{Name(path)}: must be a list of strings")
            ? items.Select(item => item.Trim()).Where(item => item.Length > 0).ToList()
            : [];

    /// <summary>Readers of the objects in the list at <paramref name="path"/> (named like <c>pipeline.companies[2]</c>); anything else in their place is a problem.</summary>
    /// <param name="holds">The keys an entry has, for the message: <c>{ kind, company, ... }</c>.</param>
    public IReadOnlyList<SettingsReader> Entries(string path, string holds)
    {
        // Akka's HOCON reads an empty list as an empty value, not as an array.
        if (!config.HasPath(path) || config.GetValue(path) is not { IsEmpty: false } value) return [];
        if (!value.IsArray())
        {
            Check(!value.IsObject() && string.IsNullOrWhiteSpace(Raw(path)), $"{Name(path)}: must be a list of {holds} objects");
            return [];
        }

        var items = value.GetArray();
        return Enumerable.Range(0, items.Count)
            .Where(i => Check(items[i].IsObject(), $"{Name(path)}[{i}]: must be an object {holds}"))
            .Select(i => new SettingsReader(new Config(new HoconRoot(items[i])), $"{Name(path)}[{i}]", Problems))
            .ToList();
    }

    /// <summary>A list of durations (15m, 1h), each read by Akka's own duration parser.</summary>
    public IReadOnlyList<TimeSpan> Durations(string path, string what) =>
        List(path).Where(item => Check(Try(() => Span(item), out _), $"{Name(path)}: \"{item}\" is not {what}")).Select(Span).ToList();

    /// <summary>Problems the core found with its own settings type, each <c>key = value: why</c> relative to this object.</summary>
    public void Adopt(IEnumerable<string> relative) => Problems.AddRange(relative.Select(Name));

    /// <summary>Reads <paramref name="path"/> with <paramref name="get"/>; Akka's own exception would name neither path nor value.</summary>
    private T Typed<T>(string path, Func<string, T> get, string expected, T fallback)
    {
        if (config.HasPath(path) && Try(() => get(path), out var value)) return value;
        Problems.Add($"{Name(path)} = \"{Raw(path)}\": must be {expected}");
        return fallback;
    }

    /// <summary>Whether <paramref name="read"/> gave a <paramref name="value"/>; Akka's getters throw on a value of the wrong form.</summary>
    private static bool Try<T>(Func<T> read, out T value)
    {
        try
        {
            value = read();
            return true;
        }
        catch (Exception)
        {
            value = default!;
            return false;
        }
    }

    /// <summary><see cref="Typed"/>, then the range; an unreadable value is told <paramref name="expected"/> and the range unless <paramref name="sayRange"/> is off.</summary>
    private T Ranged<T>(string path, Func<string, T> get, T min, T max, string rule, string expected, bool sayRange = true) where T : IComparable<T>
    {
        var value = Typed(path, get, sayRange ? expected + rule : expected, min);
        Check(value.CompareTo(min) >= 0 && value.CompareTo(max) <= 0, $"{Name(path)} = {Raw(path)}: must be {rule}");
        return value;
    }

    /// <summary>A duration such as <c>15m</c>, read by Akka's own duration parser.</summary>
    private static TimeSpan Span(string text)
    {
        var value = new HoconValue();
        value.AppendValue(new HoconLiteral { Value = text });
        return value.GetTimeSpan(allowInfinite: false);
    }

    private double Finite(string path) => config.GetDouble(path) is var value && double.IsFinite(value) ? value : throw new FormatException();

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Show(TimeSpan span) => span.TotalSeconds < 1 ? $"{span.TotalMilliseconds}ms" : $"{span.TotalSeconds}s";
}
