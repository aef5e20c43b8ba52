using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Pipeline.Models.Domain;

namespace Pipeline.Actors.Sources.Simulator;

/// <summary>
/// Writes the simulated conversation about the companies, one minute at a time. Pure: every
/// minute's posts are a function of the seed, the minute, the settings (origin, rates, incidents)
/// and the companies, so any minute can be (re)generated on its own, in any order, with the same
/// posts and ids.
/// </summary>
public sealed partial class ConversationGenerator
{
    /// <summary>X's snowflake epoch (2010-11-04T01:42:54.657Z): ids carry the milliseconds since it above bit 22.</summary>
    public const long SnowflakeEpochMs = 1288834974657;

    // Share of each kind of post; customer posts are split into replies and the rest afterwards.
    private static readonly (SimulatedKind Kind, double Weight)[] KindMix =
    [
        (SimulatedKind.Customer, 0.70),
        (SimulatedKind.OwnPost, 0.06),
        (SimulatedKind.Retweet, 0.07),
        (SimulatedKind.ManualRetweet, 0.02),
        (SimulatedKind.Spam, 0.05),
        (SimulatedKind.Foreign, 0.04),
        (SimulatedKind.Irrelevant, 0.03),
        (SimulatedKind.Empty, 0.03),
    ];

    private const double ReplyShare = 0.3;
    // "Day themes": on a tenth of the days one theme dominates a company's complaints. They change
    // the mix, never the volume, so a volume detector does not see them (incidents are for that).
    private const double DayThemeChancePerDay = 0.1;
    private const double DayThemeBoost = 6;
    private static readonly string[] DayThemes = ["app_outage", "transfer_failed", "ussd"];

    // Backlog incidents: a few hours in a Lagos day, some times the company's background at that hour,
    // but never fewer than a post every four minutes, or a quiet backlog would hide them.
    private static readonly string[] BacklogIncidentKinds =
        [IncidentKinds.AppOutage, IncidentKinds.AppOutage, IncidentKinds.TransferFailures, IncidentKinds.UssdOutage, IncidentKinds.FraudScare,
            IncidentKinds.Promotion];
    private const double BacklogIncidentMinimumRate = 0.25;

    // Customers in Lagos (UTC+1) post little at night, most in the morning and the evening.
    private static readonly double[] HourOfDayShape = Normalise(
        [0.25, 0.15, 0.1, 0.08, 0.1, 0.3, 0.7, 1.1, 1.5, 1.6, 1.5, 1.4, 1.4, 1.3, 1.3, 1.3, 1.3, 1.3, 1.4, 1.5, 1.5, 1.3, 0.9, 0.5]);

    private static readonly HashSet<string> BuiltInSlots =
        ["bank", "handle", "handle_plain", "tag", "other_bank", "user", "nuban", "tco", "n"];

    private readonly IReadOnlyList<Company> _companies;
    private readonly double[] _companyWeights;
    private readonly SimulationSettings _settings;
    private readonly ConversationVocabulary _vocabulary;
    private readonly long _liveStartMinute;
    private readonly IReadOnlyList<SimulatedIncident> _incidents;

    public ConversationGenerator(IReadOnlyList<Company> companies, SimulationSettings settings, ConversationVocabulary? vocabulary = null)
    {
        if (companies.Count == 0)
        {
            throw new ArgumentException("The simulator needs at least one company to write about.", nameof(companies));
        }

        if (companies.FirstOrDefault(c => c.Handles.Count == 0 && c.SearchTerms.Count == 0) is { } nameless)
        {
            throw new ArgumentException($"Company '{nameless.Id}' has neither handles nor terms: no post could be about it.", nameof(companies));
        }

        _companies = companies;
        _settings = settings;
        _vocabulary = vocabulary ?? ConversationVocabulary.Embedded;
        _liveStartMinute = MinuteOf(settings.LiveStart);
        CheckSlots();

        // Some companies are talked about far more than others; which ones follows from the seed.
        var random = Rng(settings.Seed, -1, -1, 0);
        _companyWeights = companies.Select(_ => Math.Exp(random.NextDouble() * 2.0 - 1.0)).ToArray();

        foreach (var incident in settings.Incidents)
        {
            CheckIncident(incident);
        }

        _incidents = [.. settings.Incidents, .. PlaceBacklogIncidents()];
    }

    public SimulationSettings Settings => _settings;

    public IReadOnlyList<Company> Companies => _companies;

    /// <summary>The scheduled incidents, then those placed in the backlog from the seed.</summary>
    public IReadOnlyList<SimulatedIncident> Incidents => _incidents;

    /// <summary>Share of the background posts written about <paramref name="company"/> (a post naming a second company adds a little more).</summary>
    public double ShareOf(CompanyId company)
    {
        var index = IndexOf(company);
        return index < 0 ? 0 : _companyWeights[index] / _companyWeights.Sum();
    }

    /// <summary>Mean background posts in <paramref name="minute"/>, all companies together, incidents left out.</summary>
    public double BackgroundMean(long minute)
    {
        if (minute < _liveStartMinute)
        {
            return _settings.BacklogPostsPerDay / 1440.0 * HourOfDay(minute);
        }

        return _settings.LiveFollowsHourOfDay ? _settings.LivePostsPerMinute * HourOfDay(minute) : _settings.LivePostsPerMinute;
    }

    /// <summary>Mean extra posts the incidents add to <paramref name="minute"/> about <paramref name="company"/>.</summary>
    public double IncidentMean(long minute, CompanyId company) =>
        _incidents.Where(i => i.Company == company).Sum(i => i.MeanIn(StartOf(minute)));

    /// <summary>How busy the Lagos (UTC+1) hour <paramref name="minute"/> falls in is, relative to the day's mean (the mean over a day is 1).</summary>
    public static double HourOfDay(long minute) => HourOfDayShape[(int)((minute / 60 % 24 + 1) % 24)];

    public static long MinuteOf(DateTimeOffset time) => (long)Math.Floor(time.ToUnixTimeMilliseconds() / 60_000.0);

    /// <summary>The smallest snowflake id of the millisecond <paramref name="time"/> falls in.</summary>
    public static long IdAt(DateTimeOffset time) => (time.ToUnixTimeMilliseconds() - SnowflakeEpochMs) << 22;

    public static DateTimeOffset TimeOf(long snowflake) => DateTimeOffset.FromUnixTimeMilliseconds((snowflake >> 22) + SnowflakeEpochMs);

    /// <summary>Every item appearing in the minute, oldest first (ascending <see cref="SimulatedPost.TimelineId"/>).</summary>
    public IReadOnlyList<SimulatedPost> Minute(long minute)
    {
        var drafts = Drafts(minute);
        var posts = new List<SimulatedPost>(drafts.Count);
        for (var i = 0; i < drafts.Count; i++)
        {
            posts.Add(drafts[i].Kind is SimulatedKind.Retweet or SimulatedKind.ManualRetweet ? Resolve(minute, i, drafts[i]) : drafts[i]);
        }

        return posts;
    }

    /// <summary>Items appearing in [<paramref name="from"/>, <paramref name="to"/>), oldest first.</summary>
    public IEnumerable<SimulatedPost> Between(DateTimeOffset from, DateTimeOffset to)
    {
        for (var minute = MinuteOf(from); minute <= MinuteOf(to); minute++)
        {
            foreach (var post in Minute(minute))
            {
                if (post.AppearedAt >= from && post.AppearedAt < to)
                {
                    yield return post;
                }
            }
        }
    }

    /// <summary>The minute's items with retweets still unresolved (they point at no original yet).</summary>
    private List<SimulatedPost> Drafts(long minute)
    {
        var random = Rng(_settings.Seed, minute, -1, 0);
        var count = Poisson(random, BackgroundMean(minute));
        // Each item is (millisecond in the minute, source, index in its source); source -1 is the background,
        // otherwise the incident's index. Every source draws from its own streams, so an incident adds posts
        // without changing the background's, and the low bits of an id are the item's place in the minute.
        var items = Enumerable.Range(0, count).Select(_ => random.Next(60_000)).Order().Select((ms, i) => (Ms: ms, Source: -1, Index: i)).ToList();
        var minuteStart = StartOf(minute);
        for (var source = 0; source < _incidents.Count; source++)
        {
            var incident = _incidents[source];
            var mean = incident.MeanIn(minuteStart);
            if (mean <= 0)
            {
                continue;
            }

            // Only the part of the minute inside the incident gets its posts.
            var from = (int)Math.Max(0, (incident.Start - minuteStart).TotalMilliseconds);
            var to = (int)Math.Min(60_000, (incident.End - minuteStart).TotalMilliseconds);
            var incidentRandom = Rng(_settings.Seed, minute, source, 5);
            var extra = Poisson(incidentRandom, mean);
            for (var k = 0; k < extra; k++)
            {
                items.Add((incidentRandom.Next(from, to), source, k));
            }
        }

        if (items.Count > count)
        {
            items.Sort();
        }

        var drafts = new List<SimulatedPost>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var (offset, source, index) = items[i];
            var ms = minute * 60_000 + offset;
            var id = ((ms - SnowflakeEpochMs) << 22) | (long)i;
            var at = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            drafts.Add(source < 0
                ? Compose(Rng(_settings.Seed, minute, index, 1), id, at, minute)
                : IncidentPost(Rng(_settings.Seed, minute, ((long)source << 32) | (uint)index, 6), id, at, minute, _incidents[source]));
        }

        return drafts;
    }

    /// <summary>A customer post of the incident's theme about its company.</summary>
    private SimulatedPost IncidentPost(Random random, long id, DateTimeOffset at, long minute, SimulatedIncident incident)
    {
        var index = IndexOf(incident.Company);
        return Customer(random, id, at, _companies[index], index, minute, _vocabulary.Themes.First(t => t.Name == incident.Theme));
    }

    private SimulatedPost Compose(Random random, long id, DateTimeOffset at, long minute)
    {
        var companyIndex = Pick(random, _companyWeights);
        var company = _companies[companyIndex];
        var kind = KindMix[Pick(random, KindMix.Select(k => k.Weight).ToArray())].Kind;
        return kind switch
        {
            SimulatedKind.Customer => Customer(random, id, at, company, companyIndex, minute),
            SimulatedKind.OwnPost => Own(random, id, at, company),
            SimulatedKind.Spam => Other(random, id, at, company, kind, "spam", "neutral", "en", Choose(random, _vocabulary.Spam), Person(random, spammy: true)),
            SimulatedKind.Foreign => Foreign(random, id, at, company),
            SimulatedKind.Irrelevant => Other(random, id, at, company, kind, "irrelevant", "neutral", "en", Choose(random, _vocabulary.Irrelevant), Person(random)),
            SimulatedKind.Empty => Other(random, id, at, company, kind, "empty", "neutral", "en", Choose(random, _vocabulary.Empty), Person(random)),
            // Placeholders: resolved against an earlier minute's post in Minute().
            _ => new SimulatedPost(id, id, at, at, string.Empty, string.Empty, string.Empty, [company.Id], kind, "retweet", "neutral", "en",
                null, null, 0, 0, 0, 0),
        };
    }

    /// <param name="theme">The theme to write in; none: drawn from the themes' weights (and the company's day theme).</param>
    private SimulatedPost Customer(Random random, long id, DateTimeOffset at, Company company, int companyIndex, long minute,
        ConversationTheme? theme = null)
    {
        if (theme is null)
        {
            var dayTheme = DayTheme(companyIndex, minute / 1440);
            var themes = _vocabulary.Themes;
            theme = themes[Pick(random, themes.Select(t => t.Name == dayTheme ? t.Weight * DayThemeBoost : t.Weight).ToArray())];
        }

        var template = Choose(random, theme.Templates);
        var (text, companies) = Fill(random, template, company);
        // A template that names no company only makes sense as a reply to the company.
        var namesCompany = template.Contains("{bank}", StringComparison.Ordinal) || template.Contains("{handle}", StringComparison.Ordinal);
        var reply = !namesCompany || random.NextDouble() < ReplyShare;
        var author = Person(random);
        var (replies, retweets, likes, views) = Engagement(random, 1.0);
        return new SimulatedPost(id, id, at, at, author.Handle, author.Name, text, companies,
            reply ? SimulatedKind.Reply : SimulatedKind.Customer, theme.Name, theme.Sentiment, "en",
            reply ? CareHandle(company) : null, null, replies, retweets, likes, views);
    }

    private SimulatedPost Own(Random random, long id, DateTimeOffset at, Company company)
    {
        var template = Choose(random, _vocabulary.Own);
        var (text, companies) = Fill(random, template, company, own: true);
        var handle = company.Handles.Count > 0 ? Choose(random, company.Handles).TrimStart('@') : Slug(company.DisplayName);
        // "Hi {first}, …" answers a customer.
        var replyingTo = template.Contains("{first}", StringComparison.Ordinal) ? Person(random).Handle : null;
        var (replies, retweets, likes, views) = Engagement(random, 8.0);
        return new SimulatedPost(id, id, at, at, handle, company.DisplayName, text, companies, SimulatedKind.OwnPost, "own", "neutral", "en",
            replyingTo is null ? null : "@" + replyingTo, null, replies, retweets, likes, views);
    }

    private SimulatedPost Foreign(Random random, long id, DateTimeOffset at, Company company)
    {
        var (language, template) = Choose(random, _vocabulary.Foreign);
        return Other(random, id, at, company, SimulatedKind.Foreign, "foreign", "negative", language, template, Person(random));
    }

    private SimulatedPost Other(Random random, long id, DateTimeOffset at, Company company, SimulatedKind kind, string theme, string sentiment,
        string language, string template, SimulatedAuthor author)
    {
        var (text, companies) = Fill(random, template, company);
        var (replies, retweets, likes, views) = Engagement(random, 0.3);
        return new SimulatedPost(id, id, at, at, author.Handle, author.Name, text, companies, kind, theme, sentiment, language,
            null, null, replies, retweets, likes, views);
    }

    /// <summary>A retweet points at an original about the same company from up to a few days before.</summary>
    private SimulatedPost Resolve(long minute, int index, SimulatedPost draft)
    {
        var random = Rng(_settings.Seed, minute, index, 2);
        var company = draft.Companies[0];
        // Walk back from a few minutes to a few hours before: the nearest minute with a post about the company.
        var start = minute - random.Next(3, 360);
        for (var back = start; back > start - 3 * 1440; back--)
        {
            var candidates = Drafts(back).Where(p => p.Kind is SimulatedKind.Customer or SimulatedKind.Reply or SimulatedKind.OwnPost
                && p.Companies.Contains(company)).ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            var original = Choose(random, candidates);
            var by = Person(random);
            if (draft.Kind == SimulatedKind.Retweet)
            {
                return original with
                {
                    TimelineId = draft.TimelineId,
                    AppearedAt = draft.AppearedAt,
                    Kind = SimulatedKind.Retweet,
                    RetweetedBy = by,
                    Retweets = original.Retweets + 1,
                };
            }

            var body = $"RT @{original.AuthorHandle}: {original.Text}";
            return original with
            {
                TimelineId = draft.TimelineId,
                StatusId = draft.StatusId,
                AppearedAt = draft.AppearedAt,
                CreatedAt = draft.CreatedAt,
                AuthorHandle = by.Handle,
                AuthorName = by.Name,
                Text = body.Length <= 280 ? body : body[..279] + "…",
                Kind = SimulatedKind.ManualRetweet,
                ReplyingTo = null,
                Replies = 0,
                Retweets = 0,
                Likes = random.Next(3),
                Views = random.Next(10, 200),
            };
        }

        // Nothing to retweet nearby (a very quiet company): the slot becomes an ordinary post.
        return Customer(random, draft.TimelineId, draft.AppearedAt, _companies[IndexOf(company)], IndexOf(company), minute);
    }

    /// <summary>On a tenth of the days one theme dominates a company's complaints that day (the volume stays the same).</summary>
    private string? DayTheme(int companyIndex, long day)
    {
        var random = Rng(_settings.Seed, day, companyIndex, 3);
        return random.NextDouble() < DayThemeChancePerDay ? DayThemes[random.Next(DayThemes.Length)] : null;
    }

    private void CheckIncident(SimulatedIncident incident)
    {
        if (IndexOf(incident.Company) < 0)
        {
            throw new ArgumentException($"Incident '{incident.Kind}' is about '{incident.Company}', which is not one of the simulated companies.");
        }

        if (_vocabulary.Themes.All(t => t.Name != incident.Theme))
        {
            throw new ArgumentException($"Incident '{incident.Kind}' is written in theme '{incident.Theme}', which the vocabulary does not have.");
        }

        if (incident.Duration <= TimeSpan.Zero || incident.PostsPerMinute < 0 || !double.IsFinite(incident.PostsPerMinute) || incident.Ramp < TimeSpan.Zero)
        {
            throw new ArgumentException($"Incident '{incident.Kind}' about '{incident.Company}' needs a positive duration, a rate of 0 or more and no negative ramp.");
        }
    }

    /// <summary>
    /// Incidents in the backlog, placed from the seed: daytime in Lagos, one to three hours, four to eight
    /// times the company's background, on days from the backlog's second to the last whole one before the live
    /// rate starts and before the day before the origin: the level a detector reads over that day stays calm.
    /// A backlog too short for that gets none.
    /// </summary>
    private IEnumerable<SimulatedIncident> PlaceBacklogIncidents()
    {
        var first = _settings.Start.AddDays(1);
        var last = _settings.LiveStart < _settings.Origin.AddDays(-1) ? _settings.LiveStart : _settings.Origin.AddDays(-1);
        var firstDay = (long)Math.Ceiling((first - DateTimeOffset.UnixEpoch).TotalDays);
        var lastDay = (long)Math.Floor((last - DateTimeOffset.UnixEpoch).TotalDays) - 1;
        if (lastDay < firstDay)
        {
            yield break;
        }

        for (var k = 0; k < _settings.BacklogIncidents; k++)
        {
            var random = Rng(_settings.Seed, k, -2, 4);
            var kind = BacklogIncidentKinds[random.Next(BacklogIncidentKinds.Length)];
            var company = _companies[Pick(random, _companyWeights)].Id;
            var day = firstDay + random.NextInt64(lastDay - firstDay + 1);
            // 08:00 to 18:59 in Lagos is 07:00 to 17:59 UTC.
            var start = DateTimeOffset.UnixEpoch.AddDays(day).AddHours(7 + random.Next(11)).AddMinutes(random.Next(60));
            var duration = TimeSpan.FromMinutes(60 + random.Next(121));
            var background = BackgroundMean(MinuteOf(start)) * ShareOf(company);
            var rate = Math.Max(BacklogIncidentMinimumRate, background * (4 + 4 * random.NextDouble()));
            var ramp = kind == IncidentKinds.AppOutage ? TimeSpan.Zero : TimeSpan.FromMinutes(15);
            yield return IncidentKinds.Incident(kind, company, start, duration, Math.Round(rate, 2), ramp);
        }
    }

    private int IndexOf(CompanyId company)
    {
        for (var i = 0; i < _companies.Count; i++)
        {
            if (_companies[i].Id == company)
            {
                return i;
            }
        }

        return -1;
    }

    private static DateTimeOffset StartOf(long minute) => DateTimeOffset.FromUnixTimeMilliseconds(minute * 60_000);

    private (string Text, IReadOnlyList<CompanyId> Companies) Fill(Random random, string template, Company company, bool own = false)
    {
        var companies = new List<CompanyId> { company.Id };
        var text = Slot().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            switch (name)
            {
                case "bank":
                    return own ? Title(CompanyTerms(company)[0]) : BankMention(random, company);
                case "handle":
                    return company.Handles.Count > 0 ? Choose(random, company.Handles) : BankMention(random, company);
                case "handle_plain":
                    return company.Handles.Count > 0 ? Choose(random, company.Handles).TrimStart('@') : Slug(company.DisplayName);
                case "tag":
                    return Title(CompanyTerms(company)[0]).Replace(" ", string.Empty, StringComparison.Ordinal);
                case "other_bank":
                    var others = _companies.Where(c => c.Id != company.Id).ToList();
                    if (others.Count == 0)
                    {
                        return "another bank";
                    }

                    var other = Choose(random, others);
                    companies.Add(other.Id);
                    return Title(CompanyTerms(other)[0]);
                case "user":
                    return "@" + Person(random).Handle;
                case "nuban":
                    return random.Next(0, 3).ToString(CultureInfo.InvariantCulture) + random.Next(100_000_000, 1_000_000_000).ToString(CultureInfo.InvariantCulture);
                case "tco":
                    return "https://t.co/" + Token(random, 10);
                case "n":
                    return random.Next(2, 9).ToString(CultureInfo.InvariantCulture);
                default:
                    var values = _vocabulary.Slot(name, company.Id.Value)!;
                    return Choose(random, values);
            }
        });
        return (Tidy(text), companies);
    }

    /// <summary>How customers write a company's name: a handle, or one of its names in whatever case.</summary>
    private static string BankMention(Random random, Company company)
    {
        if (company.Handles.Count > 0 && random.NextDouble() < 0.35)
        {
            return Choose(random, company.Handles);
        }

        var term = Choose(random, CompanyTerms(company));
        return random.NextDouble() switch
        {
            < 0.45 => Title(term),
            < 0.8 => term.ToLowerInvariant(),
            _ => term.Length <= 5 ? term.ToUpperInvariant() : Title(term),
        };
    }

    private static IReadOnlyList<string> CompanyTerms(Company company) =>
        company.SearchTerms.Count > 0 ? company.SearchTerms : company.Handles.Select(h => h.TrimStart('@')).ToList();

    private static string CareHandle(Company company) =>
        company.Handles.Count > 0 ? company.Handles[^1] : "@" + Slug(company.DisplayName);

    private SimulatedAuthor Person(Random random, bool spammy = false)
    {
        var first = Choose(random, _vocabulary.Slots["first"]);
        var last = Choose(random, _vocabulary.Slots["last"]);
        var digits = random.Next(1, 999).ToString(CultureInfo.InvariantCulture);
        var handle = (spammy ? 4 : random.Next(5)) switch
        {
            0 => first + last,
            1 => first + "_" + last,
            2 => first + digits,
            3 => "the" + first,
            _ => last + first[0] + random.Next(1000, 99999).ToString(CultureInfo.InvariantCulture),
        };
        handle = handle.ToLowerInvariant();
        return new SimulatedAuthor(handle.Length <= 15 ? handle : handle[..15], $"{first} {last}");
    }

    private static (int Replies, int Retweets, int Likes, int Views) Engagement(Random random, double scale)
    {
        int Tail(double max) => (int)(Math.Exp(random.NextDouble() * Math.Log(1 + max * scale)) - 1);
        var likes = Tail(60);
        return (Tail(6), Tail(10), likes, likes * random.Next(15, 60) + random.Next(20, 400));
    }

    private void CheckSlots()
    {
        var templates = _vocabulary.Themes.SelectMany(t => t.Templates)
            .Concat(_vocabulary.Own).Concat(_vocabulary.Spam).Concat(_vocabulary.Foreign.Select(f => f.Template))
            .Concat(_vocabulary.Irrelevant).Concat(_vocabulary.Empty);
        foreach (var template in templates)
        {
            foreach (Match match in Slot().Matches(template))
            {
                var name = match.Groups[1].Value;
                if (!BuiltInSlots.Contains(name) && !_vocabulary.Slots.ContainsKey(name))
                {
                    throw new FormatException($"Simulator template uses an unknown slot {{{name}}}: \"{template}\"");
                }
            }
        }
    }

    private static string Tidy(string text) => Spaces().Replace(text, " ").Replace(" ,", ",", StringComparison.Ordinal).Trim();

    private static string Title(string term) =>
        string.Join(' ', term.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w.Length <= 3 ? w.ToUpperInvariant() : char.ToUpperInvariant(w[0]) + w[1..]));

    private static string Slug(string name) => new(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());

    private static string Token(Random random, int length)
    {
        const string alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(alphabet[random.Next(alphabet.Length)]);
        }

        return text.ToString();
    }

    private static T Choose<T>(Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];

    private static int Pick(Random random, IReadOnlyList<double> weights)
    {
        var total = weights.Sum();
        var roll = random.NextDouble() * total;
        for (var i = 0; i < weights.Count; i++)
        {
            roll -= weights[i];
            if (roll < 0)
            {
                return i;
            }
        }

        return weights.Count - 1;
    }

    private static int Poisson(Random random, double mean)
    {
        if (mean <= 0)
        {
            return 0;
        }

        if (mean > 50)
        {
            // Normal approximation (Box-Muller): exp(-mean) underflows the product method's precision.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * normal));
        }

        var limit = Math.Exp(-mean);
        var count = 0;
        var product = random.NextDouble();
        while (product > limit)
        {
            count++;
            product *= random.NextDouble();
        }

        return count;
    }

    /// <summary>A generator for one stream of one minute: SplitMix64 over the inputs, so nearby minutes get unrelated draws.</summary>
    private static Random Rng(int seed, long a, long b, long stream)
    {
        var h = Mix((ulong)seed ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ (ulong)a);
        h = Mix(h ^ (ulong)b);
        h = Mix(h ^ (ulong)stream);
        return new Random((int)(h ^ (h >> 32)));
    }

    internal static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double[] Normalise(double[] weights) => weights.Select(w => w * weights.Length / weights.Sum()).ToArray();

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex Slot();

    [GeneratedRegex(@"[ \t]{2,}")]
    private static partial Regex Spaces();
}
