using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>The privacy secret cannot be used; the message names the variable.</summary>
public sealed class PrivacyKeyException(string message) : Exception(message);

/// <summary>
/// The keyed hashes behind pseudonymous reporting and tombstones (docs/data.md). Two keys are derived from one secret,
/// so that a tombstone is not the author's pseudonym: whoever can read the reporting views cannot tell from a
/// pseudonym whether its author was forgotten, nor match a tombstone to one. The secret is
/// <see cref="SecretVariable"/> when set, else the database's own (migration V014, made once per database): a
/// deployment that sets nothing still gets pseudonyms nobody without database access can reverse, stable across days
/// and restarts. It must never change: pseudonyms would change and tombstones stop matching.
/// </summary>
public sealed class PrivacyKeys
{
    public const string SecretVariable = "PIPELINE_PSEUDONYM_KEY";

    /// <summary>Shorter secrets are guessable; 32 characters of a password generator are ~190 bits.</summary>
    public const int MinimumSecretLength = 32;

    /// <summary>Authors whose hashes <see cref="Author"/> remembers; beyond this the memory starts over.</summary>
    private const int RememberedAuthors = 100_000;

    private readonly byte[] _pseudonymKey;
    private readonly byte[] _tombstoneKey;
    private readonly ConcurrentDictionary<string, AuthorKeys> _authors = new(StringComparer.Ordinal);
    private int _remembered;

    public PrivacyKeys(ReadOnlySpan<byte> secret)
    {
        _pseudonymKey = HMACSHA256.HashData(secret, "pipeline pseudonym v1"u8);
        _tombstoneKey = HMACSHA256.HashData(secret, "pipeline tombstone v1"u8);
    }

    /// <summary>Why <paramref name="secret"/> (the value of <see cref="SecretVariable"/>) cannot be used, or null.</summary>
    public static string? Problem(string? secret) => secret is { Length: > 0 and < MinimumSecretLength }
        ? $"{SecretVariable} is {secret.Length} characters long: use at least {MinimumSecretLength} random characters (or leave it unset to use the database's own key)."
        : null;

    /// <summary>From <paramref name="secret"/> when given, else the database's key (pipeline.privacy_key).</summary>
    /// <exception cref="PrivacyKeyException">See <see cref="Problem"/>.</exception>
    public static async Task<PrivacyKeys> LoadAsync(NpgsqlDataSource dataSource, string? secret, CancellationToken ct = default)
    {
        if (Problem(secret) is { } problem)
            throw new PrivacyKeyException(problem);
        if (!string.IsNullOrEmpty(secret))
            return new PrivacyKeys(Encoding.UTF8.GetBytes(secret));
        await using var command = dataSource.CreateCommand("SELECT secret FROM pipeline.privacy_key");
        var stored = await command.ExecuteScalarAsync(ct) as byte[]
                     ?? throw new InvalidOperationException("pipeline.privacy_key is empty: run the migrations (pipeline migrate)");
        return new PrivacyKeys(stored);
    }

    /// <summary>
    /// A handle as the platform compares them: without the leading @ and surrounding space, case folded (X handles are
    /// case-insensitive, and a file may have "@Ada_Obi" where a page had "ada_obi").
    /// </summary>
    public static string NormalizeHandle(string handle) => handle.Trim().TrimStart('@').Trim().ToLowerInvariant();

    /// <summary>The author's stable pseudonym: <c>anon-</c> and 16 hex digits (64 bits) of the keyed hash of the normalised handle.</summary>
    public string Pseudonym(string handle) =>
        "anon-" + Convert.ToHexStringLower(HMACSHA256.HashData(_pseudonymKey, Encoding.UTF8.GetBytes(NormalizeHandle(handle))).AsSpan(0, 8));

    public byte[] AuthorTombstone(string handle) =>
        HMACSHA256.HashData(_tombstoneKey, Encoding.UTF8.GetBytes("author:" + NormalizeHandle(handle)));

    /// <summary>
    /// The author's pseudonym and tombstone hash together, remembered per handle: the sink needs both for every row, and
    /// the same authors write again and again (the HMACs were 3 % of an import's CPU, profiled).
    /// </summary>
    public AuthorKeys Author(string handle)
    {
        if (_authors.TryGetValue(handle, out var known))
        {
            return known;
        }

        // ConcurrentDictionary.Count takes every lock: a counter of its own keeps a new author's row cheap. Approximate
        // under races, which only moves the moment the memory starts over.
        if (Interlocked.Increment(ref _remembered) > RememberedAuthors)
        {
            _authors.Clear();
            Interlocked.Exchange(ref _remembered, 1);
        }

        return _authors[handle] = new AuthorKeys(Pseudonym(handle), AuthorTombstone(handle));
    }

    public byte[] PostTombstone(long postId) =>
        HMACSHA256.HashData(_tombstoneKey, Encoding.UTF8.GetBytes("post:" + postId.ToString(CultureInfo.InvariantCulture)));
}

/// <summary>Fills in the pseudonyms of rows stored before migration V014 (the sink writes one with every row since).</summary>
public static class PseudonymBackfill
{
    /// <summary>Returns the rows updated; a batch of handles at a time, so a large table is not locked in one go.</summary>
    public static async Task<long> RunAsync(NpgsqlDataSource dataSource, PrivacyKeys keys, CancellationToken ct = default)
    {
        long updated = 0;
        while (true)
        {
            var handles = new List<string>();
            await using (var select = dataSource.CreateCommand(
                             "SELECT DISTINCT author_handle FROM pipeline.raw_posts WHERE author_pseudonym IS NULL LIMIT 1000"))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    handles.Add(reader.GetString(0));
            }

            if (handles.Count == 0)
                return updated;
            await using var update = dataSource.CreateCommand("""
                UPDATE pipeline.raw_posts r SET author_pseudonym = m.pseudonym
                FROM unnest($1::text[], $2::text[]) AS m(handle, pseudonym)
                WHERE r.author_pseudonym IS NULL AND r.author_handle = m.handle
                """);
            update.Parameters.Add(new NpgsqlParameter { Value = handles.ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = handles.Select(keys.Pseudonym).ToArray() });
            updated += await update.ExecuteNonQueryAsync(ct);
        }
    }
}

/// <param name="Tombstone">Shared by every row of the author: read, never written to.</param>
public sealed record AuthorKeys(string Pseudonym, byte[] Tombstone);
