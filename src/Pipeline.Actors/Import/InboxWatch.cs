namespace Pipeline.Actors.Import;

/// <summary>One inbox file as a directory listing shows it.</summary>
internal readonly record struct InboxFile(string Path, long Length, DateTime LastWriteUtc);

/// <summary>
/// Decides which inbox files are ready to import: files with a known extension that are not
/// partial by name (<c>*.part</c>, <c>*.tmp</c>, dot-files, as left by writers and rsync), once their
/// size and modification time have not changed for the settle time. Pure: the actor lists the
/// folder and says what time it is.
/// </summary>
internal sealed class InboxWatch(TimeSpan settleTime)
{
    private readonly Dictionary<string, Sighting> _sightings = new(StringComparer.Ordinal);

    /// <summary>Whether a file of this name is ever imported from the inbox.</summary>
    public static bool IsCandidate(string path)
    {
        // A name the readers know by its last extension: name.csv.part and name.csv.tmp, a writer's file before its
        // rename, end in none of them.
        var name = System.IO.Path.GetFileName(path);
        return !name.StartsWith('.') && PostFileReader.FormatOf(name) is not null;
    }

    /// <summary>
    /// The files of <paramref name="listing"/> that have been unchanged for the settle time, in name
    /// order. A returned file is forgotten (its next sighting starts a new wait); so is a file that is
    /// no longer listed.
    /// </summary>
    public IReadOnlyList<string> Settled(IEnumerable<InboxFile> listing, DateTimeOffset now)
    {
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var ready = new List<string>();
        foreach (var file in listing.Where(f => IsCandidate(f.Path)))
        {
            listed.Add(file.Path);
            if (!_sightings.TryGetValue(file.Path, out var sighting) || sighting.Length != file.Length || sighting.LastWriteUtc != file.LastWriteUtc)
            {
                sighting = new Sighting(file.Length, file.LastWriteUtc, now);
                _sightings[file.Path] = sighting;
            }

            if (now - sighting.Since >= settleTime)
            {
                ready.Add(file.Path);
                _sightings.Remove(file.Path);
            }
        }

        foreach (var gone in _sightings.Keys.Where(p => !listed.Contains(p)).ToList())
        {
            _sightings.Remove(gone);
        }

        ready.Sort(StringComparer.Ordinal);
        return ready;
    }

    /// <summary>How long until the first waiting file could settle, if any is waiting: when to look again.</summary>
    public TimeSpan? NextCheck(DateTimeOffset now) =>
        _sightings.Count == 0
            ? null
            : _sightings.Values.Min(s => s.Since + settleTime - now) is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero;

    private sealed record Sighting(long Length, DateTime LastWriteUtc, DateTimeOffset Since);
}
