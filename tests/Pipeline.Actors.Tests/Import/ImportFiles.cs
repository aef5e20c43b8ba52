using System.Text;
using Pipeline.Actors.Graph;
using Pipeline.Actors.Import;
using Pipeline.Models.Domain;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

/// <summary>A throwaway folder for the fixture files one test writes, and the reading helpers the tests share.</summary>
public sealed class ImportFiles : IDisposable
{
    public static readonly DateTimeOffset FetchedAt = new(2024, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public ImportFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), $"pipeline-import-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return path;
    }

    /// <summary>Lines joined with \n, so a test's line numbers are the array's indexes plus one.</summary>
    public string WriteLines(string name, params string[] lines) => Write(name, string.Join("\n", lines) + "\n");

    public string WriteBytes(string name, byte[] content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public static Task<List<SourceItem>> ReadAllAsync(string path) => ReadAllAsync(path, InputLimits.Default);

    public static async Task<List<SourceItem>> ReadAllAsync(string path, InputLimits limits)
    {
        var items = new List<SourceItem>();
        await foreach (var item in PostFileReader.ReadAsync(path, FetchedAt, PostSource.Import, limits, TestContext.Current.CancellationToken))
        {
            items.Add(item);
        }

        return items;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; failing the test over it is not.
        }
    }
}

public static class SourceItemExtensions
{
    public static List<SourceItem.Post> Posts(this IEnumerable<SourceItem> items) => items.OfType<SourceItem.Post>().ToList();

    public static List<QuarantineEntry> Quarantined(this IEnumerable<SourceItem> items) =>
        items.OfType<SourceItem.Unreadable>().Select(u => u.Entry).ToList();

    public static List<long> Ids(this IEnumerable<SourceItem> items) => items.Posts().Select(p => p.Raw.Id.Value).ToList();

    /// <summary>Where each item came from, in order, posts and quarantined rows alike.</summary>
    public static List<string> Locations(this IEnumerable<SourceItem> items) => items
        .Select(i => i switch
        {
            SourceItem.Post p => p.Location,
            SourceItem.Unreadable u => u.Entry.Location,
            _ => throw new InvalidOperationException(i.ToString()),
        })
        .ToList();
}
