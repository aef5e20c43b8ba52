using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipeline.Models.Domain;

namespace Pipeline.Tests.Shared;

/// <summary>
/// Seeded, invented tweets about the default banks for tests, samples and benchmarks: mostly
/// customer complaints and praise, plus the kinds of post each cleaning rule exists to drop.
/// Each row knows what cleaning should decide, so tests can assert counts per reason.
/// </summary>
public static class SyntheticTweets
{
    public sealed record Row(
        long Id, string Text, DateTimeOffset CreatedAt, string Author, string? Company, string Lang,
        int Likes, int Retweets, bool IsRetweet, DropReason? Expected);

    private static readonly (string Id, string Handle, string Name)[] Banks =
    [
        ("gtbank", "@gtbank", "GTBank"), ("access", "@myaccessbank", "Access Bank"), ("zenith", "@zenithbank", "Zenith Bank"),
        ("uba", "@ubagroup", "UBA"), ("firstbank", "@firstbankngr", "First Bank"), ("opay", "@opay_ng", "Opay"),
        ("kuda", "@kudabank", "Kuda"), ("palmpay", "@palmpay_ng", "Palmpay"), ("fcmb", "@myfcmb", "FCMB"),
    ];

    /// <summary>The companies the rows are about, as configured by default.</summary>
    public static IReadOnlyList<Company> Companies { get; } = Banks
        .Select(b => new Company(new CompanyId(b.Id), b.Name, [b.Handle], [b.Name.ToLowerInvariant()], "Nigeria", "Banking"))
        .ToList();

    private static readonly string[] Complaints =
    [
        "{0} I transferred {1} since morning and the money never reached the recipient, please reverse it",
        "{0} una app don crash again, I no fit login since yesterday",
        "Debited {1} for a failed POS transaction. {0} when will I get my refund?",
        "{0} your ATM at Ikeja swallowed my card and nobody is picking calls",
        "My BVN update has been pending for two weeks {0}, this is frustrating",
        "{0} the USSD code keeps saying service unavailable, how do I buy airtime?",
        "Someone used my card for a fraudulent transfer of {1}. {0} block the account now!",
        "{0} why am I being charged {1} for SMS alerts I never receive?",
        "Customer care {0} has kept me on hold for an hour. Terrible service",
        "Agent said the network is down again. {0} abeg fix am, I need cash",
    ];

    private static readonly string[] Praise =
    [
        "Shout out to {0}, my reversal came within an hour. Thank you!",
        "{0} customer care sorted my card issue quickly today 👏",
        "Opened a new account with {0} in five minutes, smooth experience",
    ];

    private static readonly string[] Authors = ["ada_obi", "tunde_b", "chioma_k", "emeka_n", "fola_x", "ngozi_a", "bayo22", "kemi_o"];

    /// <summary>A deterministic mix of <paramref name="count"/> rows; about 70% are kept.</summary>
    public static IEnumerable<Row> Generate(int count, int seed = 7, long firstId = 1_640_000_000_000_000_000)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2023, 1, 2, 0, 0, 0, TimeSpan.Zero);
        var recent = new Queue<Row>();
        for (var i = 0; i < count; i++)
        {
            var id = firstId + i;
            var created = start.AddMinutes(i * 3 + random.Next(3));
            var bank = Banks[random.Next(Banks.Length)];
            var author = Authors[random.Next(Authors.Length)] + random.Next(100).ToString(CultureInfo.InvariantCulture);
            var amount = $"N{random.Next(1, 500) * 100:N0}";
            var roll = random.Next(100);
            Row row = roll switch
            {
                < 55 => Kept(Complaints[random.Next(Complaints.Length)]),
                < 68 => Kept(Praise[random.Next(Praise.Length)]),
                < 73 => new Row(id, $"Good morning Lagos, traffic on Third Mainland is terrible today #{i}", created, author, bank.Id, "en", 0, 0, false, DropReason.NotRelevant),
                < 77 => new Row(id, $"Dear customer, {bank.Name} will never ask for your PIN or OTP. Stay safe. #{i}", created, bank.Handle.TrimStart('@'), bank.Id, "en", 12, 3, false, DropReason.OwnPost),
                < 81 => new Row(id, $"{bank.Handle} mon virement n'est pas arrivé depuis hier ({i})", created, author, bank.Id, "fr", 0, 0, false, DropReason.NonEnglish),
                < 84 => new Row(id, $"{random.Next(1_000_000_000, int.MaxValue):D10} {bank.Name}", created, author, bank.Id, "en", 0, 0, false, DropReason.Spam),
                < 86 => new Row(id, $"{bank.Handle} https://t.co/{i:x}", created, author, bank.Id, "en", 0, 0, false, DropReason.EmptyAfterCleaning),
                < 93 when recent.Count > 0 => Retweet(recent.ElementAt(random.Next(recent.Count))),
                < 95 when recent.Count > 0 => recent.Last() with { Expected = DropReason.DuplicateId },
                _ => Kept(Complaints[random.Next(Complaints.Length)]),
            };

            if (row.Expected is null && !row.IsRetweet && row.Id == id)
            {
                recent.Enqueue(row);
                if (recent.Count > 50)
                {
                    recent.Dequeue();
                }
            }

            yield return row;

            Row Kept(string template) => new(id, string.Format(CultureInfo.InvariantCulture, template, bank.Handle, amount) + $" ({i})",
                created, author, bank.Id, random.Next(10) == 0 ? "und" : "en", random.Next(40), random.Next(8), false, null);

            Row Retweet(Row original) => new(id, $"RT @{original.Author}: {original.Text}", created, author, original.Company, "en",
                0, 0, true, DropReason.DuplicateRetweet);
        }
    }

    public static void WriteJsonLines(string path, IEnumerable<Row> rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        foreach (var row in rows)
        {
            writer.WriteLine(JsonLine(row));
        }
    }

    /// <summary>One row as a line of a JSON lines file (without the line break).</summary>
    public static string JsonLine(Row row) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = row.Id.ToString(CultureInfo.InvariantCulture),
        ["text"] = row.Text,
        ["created_at"] = row.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        ["author_handle"] = row.Author,
        ["company"] = row.Company,
        ["lang"] = row.Lang,
        ["likes"] = row.Likes,
        ["retweets"] = row.Retweets,
        ["is_retweet"] = row.IsRetweet,
    });

    public static void WriteCsv(string path, IEnumerable<Row> rows)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.WriteLine("id,created_at,text,username,bank,lang,likeCount,retweetCount,is_retweet");
        foreach (var row in rows)
        {
            writer.WriteLine(string.Join(',',
                row.Id.ToString(CultureInfo.InvariantCulture),
                row.CreatedAt.ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture),
                Quote(row.Text), row.Author, row.Company, row.Lang,
                row.Likes.ToString(CultureInfo.InvariantCulture), row.Retweets.ToString(CultureInfo.InvariantCulture),
                row.IsRetweet ? "true" : "false"));
        }
    }

    public static string Quote(string field) => "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
