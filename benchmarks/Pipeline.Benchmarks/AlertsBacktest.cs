using System.Diagnostics;
using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Pipeline.Models.Alerts;
using Pipeline.Models.Cleaning;
using Pipeline.Models.Domain;
using Pipeline.Models.Sentiment;
using Pipeline.Models.Topics;

namespace Pipeline.Benchmarks;

/// <summary>
/// Replays the alert core as the live detector would run it: a synthetic history with seeded,
/// labelled incidents (recall, delay from crossing, false alerts per company-week), then the real
/// 2023 bank-tweet CSV (what it raises on real data).
/// </summary>
/// <remarks>
/// An incident "crosses" at the first check where its own posts inside one detection window reach
/// both 20 posts and twice the true expected background of that window (the generator's rate for the
/// incident's scope: the company, or the one topic). Before that a person looking at the counts
/// could not call it an incident either; the delay is counted in check intervals from there.
/// </remarks>
public static class AlertsBacktest
{
    private const int WarmupDays = 35;      // the live loader's hourly lookback: the first check sees what production would
    private const int Topics = 8;           // plus Unclassified
    private const double CrossPosts = 20;
    private const double CrossFactor = 2;
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero); // a Monday

    public static void Run(int days, int incidents, int seed, int companies, TimeSpan checkInterval, string csvPath, double? pValue = null, double? dispersion = null, double? topicDispersion = null)
    {
        var rules = AlertRules.Default with { CheckInterval = checkInterval };
        if (pValue is { } p) rules = rules with { PValue = p };
        if (dispersion is { } k) rules = rules with { Dispersion = k };
        if (topicDispersion is { } tk) rules = rules with { TopicDispersion = tk };
        Console.WriteLine($"rules: p-value {rules.PValue}, dispersion {rules.Dispersion} (topics {rules.TopicDispersion}), spike-ratio {rules.SpikeRatio}, company/topic min posts {rules.CompanyMinPosts}/{rules.TopicMinPosts}");
        Console.WriteLine($"alerts-backtest: {days} days after {WarmupDays} days of history, {companies} companies x ({Topics} topics + Unclassified), {incidents} incidents, seed {seed}, checks every {checkInterval.TotalMinutes:0.#} min");
        Console.WriteLine($"crossing: an incident's own posts in one window ({string.Join(", ", rules.Windows.Select(w => $"{w.TotalMinutes:0}m"))}) reach {CrossPosts} and {CrossFactor}x the true expected background of that window");
        var sw = Stopwatch.StartNew();
        var world = Synthetic.Generate(days, incidents, seed, companies);
        var generated = sw.Elapsed;
        sw.Restart();
        var replay = Replay(world.History, rules, world.EvalStart, world.End, checkInterval, world.Crossing);
        var replayed = sw.Elapsed;
        Report(world, replay, rules, checkInterval, generated, replayed);

        Console.WriteLine();
        RealData(csvPath, rules, checkInterval);
    }

    // ------------------------------------------------------------------ replay

    private sealed record AlertRow(long Id, Detection First, DateTimeOffset OpenedAt)
    {
        public DateTimeOffset LastSeenAt { get; set; }
        public DateTimeOffset? ResolvedAt { get; set; }
        public Detection Peak { get; set; } = First;
        public bool Escalated { get; set; }
    }

    private sealed record ReplayResult(
        List<AlertRow> Alerts,
        Dictionary<string, List<DateTimeOffset>> DetectionTimes,
        int Checks);

    private static ReplayResult Replay(
        AlertHistory history, AlertRules rules, DateTimeOffset from, DateTimeOffset to, TimeSpan interval,
        Action<DateTimeOffset>? onCheck = null)
    {
        var open = new Dictionary<long, (OpenIncident Incident, AlertRow Row)>();
        var alerts = new List<AlertRow>();
        var detectionTimes = new Dictionary<string, List<DateTimeOffset>>();
        long nextId = 1;
        var checks = 0;
        for (var now = from; now <= to; now += interval)
        {
            checks++;
            history.AdvanceTo(now);
            onCheck?.Invoke(now);
            var detections = SpikeDetector.Detect(history, rules).Concat(EmergingTopics.Detect(history, rules)).ToList();
            foreach (var d in detections.Where(d => d.CompanyId is not null))
            {
                if (!detectionTimes.TryGetValue(d.CompanyId!, out var times)) detectionTimes[d.CompanyId!] = times = [];
                if (times.Count == 0 || times[^1] != now) times.Add(now);
            }
            var decisions = IncidentTracker.Decide(now, open.Values.Select(o => o.Incident).ToList(), detections, rules);
            foreach (var decision in decisions)
            {
                switch (decision)
                {
                    case IncidentDecision.Open o:
                    {
                        var row = new AlertRow(nextId, o.Detection, now) { LastSeenAt = now };
                        alerts.Add(row);
                        open[nextId] = (new OpenIncident(nextId, o.Detection.IncidentKey, o.Detection.Signal, o.Detection.CompanyId,
                            o.Detection.Severity, false, now, now, o.Detection.Observed), row);
                        nextId++;
                        break;
                    }
                    case IncidentDecision.Escalate e:
                    {
                        var (inc, row) = open[e.AlertId];
                        row.Escalated = true;
                        Seen(row, e.Detection, now);
                        open[e.AlertId] = (inc with { Severity = e.Detection.Severity, Escalated = true, LastSeenAt = now, PeakObserved = Math.Max(inc.PeakObserved, e.Detection.Observed) }, row);
                        break;
                    }
                    case IncidentDecision.Touch t:
                    {
                        var (inc, row) = open[t.AlertId];
                        Seen(row, t.Detection, now);
                        open[t.AlertId] = (inc with { LastSeenAt = now, PeakObserved = Math.Max(inc.PeakObserved, t.Detection.Observed) }, row);
                        break;
                    }
                    case IncidentDecision.Resolve r:
                        open[r.AlertId].Row.ResolvedAt = now;
                        open.Remove(r.AlertId);
                        break;
                }
            }
        }
        return new ReplayResult(alerts, detectionTimes, checks);

        static void Seen(AlertRow row, Detection d, DateTimeOffset now)
        {
            row.LastSeenAt = now;
            if (d.Observed / d.Expected > row.Peak.Observed / row.Peak.Expected) row.Peak = d;
        }
    }

    private static void Report(Synthetic.World world, ReplayResult replay, AlertRules rules, TimeSpan interval, TimeSpan generated, TimeSpan replayed)
    {
        var big = new List<double>();
        var small = new List<double>();
        int bigCount = 0, bigHit = 0, smallCount = 0, smallHit = 0, neverCrossed = 0, neverCrossedAlerted = 0, early = 0;
        foreach (var inc in world.Incidents)
        {
            var isBig = inc.Multiplier >= 3 && inc.Posts >= 20;
            replay.DetectionTimes.TryGetValue(inc.CompanyId, out var times);
            var first = times?.Where(t => t >= inc.Start && t <= inc.End + TimeSpan.FromHours(1)).Cast<DateTimeOffset?>().FirstOrDefault();
            if (inc.CrossedAt is not { } crossed)
            {
                neverCrossed++;
                if (first is not null) neverCrossedAlerted++;
                continue;
            }
            double? delay = first is { } f ? Math.Max(0, (f - crossed) / interval) : null;
            if (first is { } ff && ff < crossed) early++;
            var hit = delay is { } d && d <= 1;
            if (isBig) { bigCount++; if (hit) bigHit++; } else { smallCount++; if (hit) smallHit++; }
            if (delay is { } dd) (isBig ? big : small).Add(dd);
            if (!hit)
                Console.WriteLine($"  late/missed: {inc.CompanyId} topic {inc.TopicId?.ToString(CultureInfo.InvariantCulture) ?? "all"} {inc.Multiplier:0.0}x {inc.Posts} posts over {(inc.End - inc.Start).TotalMinutes:0} min from {inc.Start:MM-dd HH:mm}, crossed {crossed:HH:mm}, first detection {(first is { } x ? x.ToString("HH:mm", CultureInfo.InvariantCulture) : "none")}");
        }

        var calm = replay.Alerts.Where(a => a.First.Signal is AlertSignal.VolumeSpike or AlertSignal.NegativeShift).Where(a =>
            !world.Incidents.Any(i => i.CompanyId == a.First.CompanyId
                && a.OpenedAt - TimeSpan.FromHours(1) <= i.End + TimeSpan.FromHours(1) && a.LastSeenAt >= i.Start)).ToList();
        var companyWeeks = world.Companies * (world.End - world.EvalStart).TotalDays / 7;
        var corpusAlerts = replay.Alerts.Count(a => a.First.CompanyId is null);

        Console.WriteLine($"incidents: {world.Incidents.Count} injected, {world.Incidents.Count - neverCrossed} crossed ({neverCrossed} never crossed, {neverCrossedAlerted} of those alerted anyway); {early} alerted before crossing (delay 0)");
        Console.WriteLine($"RESULT recall (>=3x and >=20 posts, alerted within 1 check of crossing): {Ratio(bigHit, bigCount)} ({bigHit}/{bigCount})");
        Console.WriteLine($"RESULT recall (smaller incidents, same rule):                         {Ratio(smallHit, smallCount)} ({smallHit}/{smallCount})");
        var all = big.Concat(small).ToList();
        Console.WriteLine($"RESULT delay from crossing, checks (>=3x): median {Quantile(big, 0.5):0.#}, p95 {Quantile(big, 0.95):0.#}; all detected: median {Quantile(all, 0.5):0.#}, p95 {Quantile(all, 0.95):0.#}");
        Console.WriteLine($"RESULT false alerts (spike/negative not overlapping an incident): {calm.Count} = {calm.Count / companyWeeks:0.00} per company per week ({companyWeeks:0} company-weeks); emerging/unclassified alerts: {corpusAlerts}");
        Console.WriteLine($"alerts opened: {replay.Alerts.Count} ({replay.Alerts.Count(a => a.First.Signal == AlertSignal.VolumeSpike)} volume spikes, {replay.Alerts.Count(a => a.First.Signal == AlertSignal.NegativeShift)} negative shifts), escalated {replay.Alerts.Count(a => a.Escalated)}");
        Console.WriteLine("  false alerts by kind: " + string.Join(", ", calm
            .GroupBy(a => $"{AlertSignals.Name(a.First.Signal)}/{(a.First.TopicId is null ? "company" : "topic")}/{(a.First.WindowEnd - a.First.WindowStart).TotalMinutes:0}m")
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
        foreach (var a in calm.Take(5))
            Console.WriteLine($"  false: {a.First.CompanyId} {AlertSignals.Name(a.First.Signal)} {a.First.WindowStart:MM-dd HH:mm}..{a.First.WindowEnd:HH:mm} observed {a.First.Observed:0} expected {a.First.Expected:0.0} p={a.First.PValue:0.0e0}");
        Console.WriteLine($"RESULT time: generate {generated.TotalSeconds:0.0}s, replay {replay.Checks:N0} checks x {world.Companies} companies x {Topics + 2} series {replayed.TotalSeconds:0.0}s ({replayed.TotalMilliseconds * 1000 / replay.Checks:0} us/check)");
    }

    private static string Ratio(int hit, int count) => count == 0 ? "n/a" : (hit / (double)count).ToString("0.000", CultureInfo.InvariantCulture);

    private static double Quantile(List<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Clamp(Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
    }

    // ------------------------------------------------------------------ real data

    private static void RealData(string csvPath, AlertRules rules, TimeSpan interval)
    {
        csvPath = Locate(csvPath);
        if (!File.Exists(csvPath))
        {
            Console.WriteLine($"real data: {csvPath} not found, skipped");
            return;
        }
        var sw = Stopwatch.StartNew();
        var rows = new List<(DateTimeOffset At, string Bank, string Text)>();
        using (var reader = new StreamReader(csvPath))
        using (var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture)))
        {
            csv.Read();
            csv.ReadHeader();
            while (csv.Read())
            {
                var at = DateTimeOffset.Parse(csv.GetField("date")!, CultureInfo.InvariantCulture);
                rows.Add((at.ToUniversalTime(), csv.GetField("Bank")!.Trim(), csv.GetField("tweet") ?? ""));
            }
        }
        string sentimentNote;
        bool[] negative;
        var modelFolder = Path.Combine("models", "sentiment");
        if (File.Exists(Path.Combine(modelFolder, BuiltInSentimentModel.ModelFileName)))
        {
            using var scorer = BuiltInSentimentScorer.Load(modelFolder);
            var scores = scorer.Score(rows.Select(r => TextNormalizer.ForSentiment(TextNormalizer.DecodeEntities(r.Text))).ToList());
            negative = scores.Select(s => s.Label == SentimentLabel.Negative).ToArray();
            sentimentNote = $"sentiment by the built-in model {scorer.ModelVersion} ({negative.Count(n => n) * 100.0 / rows.Count:0}% negative)";
        }
        else
        {
            negative = new bool[rows.Count];
            sentimentNote = "no sentiment model found: negative-share signal not exercised";
        }

        var first = rows.Min(r => r.At);
        var last = rows.Max(r => r.At);
        var hourlyStart = new DateTimeOffset(first.UtcDateTime.Date, TimeSpan.Zero);
        var history = new AlertHistory(hourlyStart, hourlyStart, hourlyStart);
        var banks = rows.Select(r => r.Bank).Distinct().Order(StringComparer.Ordinal).ToList();
        var hourly = new Dictionary<(string, long), (int, int)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var (at, bank, _) = rows[i];
            var key = new SeriesKey(bank, null);
            var n = negative[i] ? 1 : 0;
            history.AddMinute(key, at, 1, n);
            var hour = at.UtcTicks / TimeSpan.TicksPerHour;
            hourly[(bank, hour)] = hourly.TryGetValue((bank, hour), out var c) ? (c.Item1 + 1, c.Item2 + n) : (1, n);
        }
        foreach (var ((bank, hour), (p, n)) in hourly)
            history.AddHourly(new SeriesKey(bank, null), new DateTimeOffset(hour * TimeSpan.TicksPerHour, TimeSpan.Zero), p, n);

        // A week in, so the level and the hour-of-day profile have data; hour-of-week from week three.
        var from = hourlyStart + TimeSpan.FromDays(7);
        var to = new DateTimeOffset(last.UtcDateTime.Date, TimeSpan.Zero) + TimeSpan.FromDays(1);
        var loaded = sw.Elapsed;
        sw.Restart();
        var replay = Replay(history, rules, from, to, interval);
        var weeks = (to - from).TotalDays / 7;
        Console.WriteLine($"real data: {rows.Count:N0} tweets, {banks.Count} banks, {first:yyyy-MM-dd}..{last:yyyy-MM-dd}; {sentimentNote}; company totals only (no topics)");
        Console.WriteLine($"replayed {replay.Checks:N0} checks every {interval.TotalMinutes:0.#} min from {from:yyyy-MM-dd} in {sw.Elapsed.TotalSeconds:0.0}s (load + scoring {loaded.TotalSeconds:0.0}s)");
        var spikes = replay.Alerts.Count(a => a.First.Signal == AlertSignal.VolumeSpike);
        var shifts = replay.Alerts.Count(a => a.First.Signal == AlertSignal.NegativeShift);
        Console.WriteLine($"RESULT real: {replay.Alerts.Count} alerts ({spikes} volume spikes, {shifts} negative shifts) = {replay.Alerts.Count / (banks.Count * weeks):0.00} per company-week over {weeks:0.0} weeks");
        Console.WriteLine("  per bank: " + string.Join(", ", banks.Select(b => $"{b} {replay.Alerts.Count(a => a.First.CompanyId == b)}")));
        Console.WriteLine("  per month opened: " + string.Join(", ", replay.Alerts.GroupBy(a => a.OpenedAt.ToString("yyyy-MM", CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"))
            + "; tweets per month: " + string.Join(", ", rows.GroupBy(r => r.At.ToString("yyyy-MM", CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}")));
        Console.WriteLine("  top 5 by observed/expected:");
        foreach (var a in replay.Alerts.OrderByDescending(a => a.Peak.Observed / a.Peak.Expected).Take(5))
            Console.WriteLine($"    {AlertText.Describe(a.Peak, a.Peak.CompanyId!, _ => "")} [{AlertSignals.Name(a.Peak.Signal)}, {a.Peak.WindowStart:yyyy-MM-dd HH:mm}..{a.Peak.WindowEnd:HH:mm} UTC, p={a.Peak.PValue:0.0e0}]");
    }

    // The default path is relative to a worktree beside shared/; from a worktree one level deeper the
    // same file is found by walking up.
    private static string Locate(string path)
    {
        if (File.Exists(path) || Path.IsPathRooted(path)) return path;
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.GetFullPath(Path.Combine(dir.FullName, path));
            if (File.Exists(candidate)) return candidate;
        }
        return path;
    }

    // ------------------------------------------------------------------ synthetic world

    /// <summary>Seeded synthetic posting history with labelled incidents.</summary>
    private static class Synthetic
    {
        public sealed record Incident(string CompanyId, int? TopicId, DateTimeOffset Start, DateTimeOffset End, double Multiplier, int Posts)
        {
            public DateTimeOffset? CrossedAt { get; set; }
            public int[] PerMinute { get; init; } = [];
            public double[] Background { get; init; } = []; // true expected background of the scope, per minute of the incident
        }

        public sealed record World(AlertHistory History, DateTimeOffset EvalStart, DateTimeOffset End, int Companies, List<Incident> Incidents, Action<DateTimeOffset> Crossing);

        public static World Generate(int days, int incidentCount, int seed, int companies)
        {
            var rng = new Random(seed);
            var totalMinutes = (WarmupDays + days) * 1440;
            var evalStartMinute = WarmupDays * 1440;
            var ids = Enumerable.Range(0, companies).Select(c => $"bank{c + 1:00}").ToArray();
            // Posts an hour on average: 2 to 20 across companies (10x), like small and big banks.
            var size = Enumerable.Range(0, companies).Select(c => 2 * Math.Pow(10, companies == 1 ? 0.5 : c / (double)(companies - 1))).ToArray();
            var baseShares = new[] { 0.22, 0.16, 0.14, 0.12, 0.1, 0.08, 0.05, 0.03, 0.1 }; // topics 0..7, then Unclassified
            var negShare = Enumerable.Range(0, companies).Select(_ => 0.2 + 0.2 * rng.NextDouble()).ToArray();
            var shares = new double[companies][];
            for (var c = 0; c < companies; c++)
            {
                var s = baseShares.Select(b => b * (0.7 + 0.6 * rng.NextDouble())).ToArray();
                var sum = s.Sum();
                shares[c] = s.Select(v => v / sum).ToArray();
            }
            // Lagos is UTC+1: quiet 01-06 local, a morning rise, busy 10-21, weekends lighter.
            double Daily(int utcHour)
            {
                var local = (utcHour + 1) % 24;
                double[] shape = [0.35, 0.2, 0.12, 0.1, 0.1, 0.15, 0.35, 0.7, 1.1, 1.4, 1.55, 1.6, 1.6, 1.55, 1.5, 1.5, 1.5, 1.45, 1.45, 1.5, 1.4, 1.2, 0.9, 0.6];
                return shape[local];
            }
            double Weekly(DayOfWeek d) => d switch { DayOfWeek.Saturday => 0.7, DayOfWeek.Sunday => 0.6, DayOfWeek.Monday => 1.15, _ => 1.0 };
            // Gamma day-level noise (overdispersion): company-day CV 0.25, company-topic-day CV 0.2.
            var dayNoise = new double[companies, WarmupDays + days];
            var topicNoise = new double[companies, baseShares.Length, WarmupDays + days];
            for (var c = 0; c < companies; c++)
                for (var d = 0; d < WarmupDays + days; d++)
                {
                    dayNoise[c, d] = Gamma(rng, 16) / 16;
                    for (var t = 0; t < baseShares.Length; t++) topicNoise[c, t, d] = Gamma(rng, 25) / 25;
                }
            double Rate(int c, int t, int minute) // expected posts in one minute
            {
                var at = Start.AddMinutes(minute);
                var day = minute / 1440;
                return size[c] * shares[c][t] * Daily(at.Hour) * Weekly(at.DayOfWeek) * dayNoise[c, day] * topicNoise[c, t, day] / 60.0 / 1.05;
            }
            int TopicId(int t) => t == Topics ? TopicDecision.UnclassifiedId : t;

            // Incidents: one company, one topic (60%) or all topics; no two on a company within 6 h.
            var incidents = new List<Incident>();
            var incidentMinutes = new Dictionary<(int C, int T), List<(int Minute, int Posts)>>();
            for (var attempt = 0; incidents.Count < incidentCount && attempt < incidentCount * 1000; attempt++)
            {
                var c = rng.Next(companies);
                int? topic = rng.NextDouble() < 0.6 ? rng.Next(Topics) : null;
                var duration = (int)Math.Round(30 * Math.Pow(8, rng.NextDouble()));      // 30 min .. 4 h
                var multiplier = 1.5 * Math.Pow(10 / 1.5, rng.NextDouble());               // 1.5x .. 10x
                var start = evalStartMinute + rng.Next(days * 1440 - duration - 60);
                var background = new double[duration];
                for (var m = 0; m < duration; m++)
                    background[m] = topic is { } tt ? Rate(c, tt, start + m) : Enumerable.Range(0, baseShares.Length).Sum(t => Rate(c, t, start + m));
                var expectedPosts = (multiplier - 1) * background.Sum();
                if (expectedPosts < 10 || expectedPosts > 300) continue;
                var startAt = Start.AddMinutes(start);
                if (incidents.Any(i => i.CompanyId == ids[c] && Math.Abs((i.Start - startAt).TotalHours) < 6 + duration / 60.0)) continue;
                // Excess posts follow the background's shape (flat in ratio), Poisson per minute.
                var perMinute = new int[duration];
                for (var m = 0; m < duration; m++) perMinute[m] = Poisson(rng, (multiplier - 1) * background[m]);
                var posts = perMinute.Sum();
                var incident = new Incident(ids[c], topic is { } t0 ? TopicId(t0) : null, startAt, startAt.AddMinutes(duration), multiplier, posts)
                {
                    PerMinute = perMinute,
                    Background = background,
                };
                incidents.Add(incident);
                for (var m = 0; m < duration; m++)
                {
                    if (perMinute[m] == 0) continue;
                    // Spread an all-topic incident over topics by their shares.
                    for (var k = 0; k < perMinute[m]; k++)
                    {
                        var t = topic ?? Pick(rng, shares[c]);
                        if (!incidentMinutes.TryGetValue((c, t), out var list)) incidentMinutes[(c, t)] = list = [];
                        list.Add((start + m, 1));
                    }
                }
            }

            var history = new AlertHistory(Start.AddMinutes(totalMinutes), Start, Start);
            var minuteTotals = new int[totalMinutes];
            var minuteNegatives = new int[totalMinutes];
            for (var c = 0; c < companies; c++)
            {
                Array.Clear(minuteTotals);
                Array.Clear(minuteNegatives);
                for (var t = 0; t < baseShares.Length; t++)
                {
                    var key = new SeriesKey(ids[c], TopicId(t));
                    var posts = new int[totalMinutes];
                    var negs = new int[totalMinutes];
                    for (var m = 0; m < totalMinutes; m++)
                    {
                        var n = Poisson(rng, Rate(c, t, m));
                        if (n == 0) continue;
                        posts[m] = n;
                        for (var k = 0; k < n; k++) if (rng.NextDouble() < negShare[c]) negs[m]++;
                    }
                    if (incidentMinutes.TryGetValue((c, t), out var extra))
                        foreach (var (m, p) in extra)
                        {
                            posts[m] += p;
                            if (rng.NextDouble() < 0.8) negs[m] += p; // incidents are mostly complaints
                        }
                    Add(history, key, posts, negs);
                    for (var m = 0; m < totalMinutes; m++)
                    {
                        minuteTotals[m] += posts[m];
                        minuteNegatives[m] += negs[m];
                    }
                }
                Add(history, new SeriesKey(ids[c], null), minuteTotals, minuteNegatives);
            }

            // Crossing is judged check by check with the same windows the detector reads.
            var windows = AlertRules.Default.Windows.Select(w => (int)w.TotalMinutes).ToArray();
            void Crossing(DateTimeOffset now)
            {
                var end = (int)(now - Start).TotalMinutes;
                foreach (var inc in incidents)
                {
                    if (inc.CrossedAt is not null) continue;
                    var s = (int)(inc.Start - Start).TotalMinutes;
                    if (end <= s || end > s + inc.PerMinute.Length + windows.Max()) continue;
                    foreach (var w in windows)
                    {
                        double own = 0, bg = 0;
                        for (var m = Math.Max(end - w, s); m < Math.Min(end, s + inc.PerMinute.Length); m++) own += inc.PerMinute[m - s];
                        for (var m = end - w; m < end; m++)
                            bg += inc.TopicId is { } tt ? Rate(Array.IndexOf(ids, inc.CompanyId), tt == TopicDecision.UnclassifiedId ? Topics : tt, m)
                                : Enumerable.Range(0, baseShares.Length).Sum(t => Rate(Array.IndexOf(ids, inc.CompanyId), t, m));
                        if (own >= CrossPosts && own >= CrossFactor * bg)
                        {
                            inc.CrossedAt = now;
                            break;
                        }
                    }
                }
            }
            return new World(history, Start.AddMinutes(evalStartMinute), Start.AddMinutes(totalMinutes), companies, incidents, Crossing);
        }

        private static void Add(AlertHistory history, SeriesKey key, int[] posts, int[] negatives)
        {
            int hourPosts = 0, hourNegs = 0;
            for (var m = 0; m < posts.Length; m++)
            {
                if (posts[m] != 0) history.AddMinute(key, Start.AddMinutes(m), posts[m], negatives[m]);
                hourPosts += posts[m];
                hourNegs += negatives[m];
                if (m % 60 == 59)
                {
                    if (hourPosts != 0) history.AddHourly(key, Start.AddMinutes(m - 59), hourPosts, hourNegs);
                    hourPosts = hourNegs = 0;
                }
            }
        }

        private static int Pick(Random rng, double[] weights)
        {
            var u = rng.NextDouble() * weights.Sum();
            for (var i = 0; i < weights.Length; i++)
            {
                u -= weights[i];
                if (u <= 0) return i;
            }
            return weights.Length - 1;
        }

        private static int Poisson(Random rng, double mean)
        {
            if (mean <= 0) return 0;
            if (mean > 30) return Math.Max(0, (int)Math.Round(mean + Math.Sqrt(mean) * Normal(rng)));
            var l = Math.Exp(-mean);
            var k = 0;
            var p = rng.NextDouble();
            while (p > l)
            {
                k++;
                p *= rng.NextDouble();
            }
            return k;
        }

        private static double Normal(Random rng) =>
            Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

        // Marsaglia-Tsang, shape >= 1, scale 1.
        private static double Gamma(Random rng, double shape)
        {
            var d = shape - 1.0 / 3;
            var c = 1 / Math.Sqrt(9 * d);
            while (true)
            {
                double x, v;
                do
                {
                    x = Normal(rng);
                    v = 1 + c * x;
                } while (v <= 0);
                v = v * v * v;
                var u = rng.NextDouble();
                if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
            }
        }
    }
}
