using System.Text;
using Pipeline.Actors.Import;
using Xunit;

namespace Pipeline.Actors.Tests.Import;

/// <summary>
/// Proves the readers stream: the file is a named pipe whose writer holds back all but the first
/// post until the reader has yielded that post. A reader that loaded the file (or a whole JSON array)
/// before yielding would wait for an end of file that never comes, and the writer would time out.
/// </summary>
public sealed class StreamingTests : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(20);
    private readonly ImportFiles _files = new();

    public void Dispose() => _files.Dispose();

    public static TheoryData<string, int> Formats => new()
    {
        { "live.csv", 50_000 },
        { "live.jsonl", 20_000 },
        { "tweets.js", 20_000 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task Reader_yields_the_first_post_before_the_rest_of_the_file_exists(string name, int rows)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "named pipes through mkfifo are a Linux fixture");
        var ct = TestContext.Current.CancellationToken;
        var path = Path.Combine(_files.Folder, name);
        await ImportPipe.MakeFifoAsync(path);

        var firstPostSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = Task.Run(() => WriteAsync(path, name, rows, firstPostSeen.Task, ct), ct);

        var posts = 0;
        long lastId = 0;
        await foreach (var item in PostFileReader.ReadAsync(path, ImportFiles.FetchedAt, ct))
        {
            var post = Assert.IsType<Pipeline.Actors.Graph.SourceItem.Post>(item);
            posts++;
            lastId = post.Raw.Id.Value;
            firstPostSeen.TrySetResult();
        }

        await writer;
        Assert.Equal((rows, rows), (posts, lastId));
    }

    private static async Task WriteAsync(string path, string name, int rows, Task firstPostSeen, CancellationToken ct)
    {
        await using var pipe = new StreamWriter(new FileStream(path, FileMode.Open, FileAccess.Write), new UTF8Encoding(false), 1 << 16);
        var format = PostFileReader.DetectFormat(name);
        await pipe.WriteAsync(format switch
        {
            PostFileFormat.Csv => "id,text,created_at,likes\n",
            PostFileFormat.XArchive => "window.YTD.tweets.part0 = [\n",
            _ => "",
        });
        await pipe.WriteAsync(Row(format, 1));
        await pipe.FlushAsync(ct);

        await firstPostSeen.WaitAsync(HandshakeTimeout, ct);

        var chunk = new StringBuilder();
        for (var id = 2; id <= rows; id++)
        {
            chunk.Append(format == PostFileFormat.XArchive ? "," : "").Append(Row(format, id));
            if (chunk.Length > 1 << 16 || id == rows)
            {
                await pipe.WriteAsync(chunk, ct);
                chunk.Clear();
            }
        }

        await pipe.WriteAsync(format == PostFileFormat.XArchive ? "]\n" : "");
    }

    private static string Row(PostFileFormat format, int id) => format switch
    {
        PostFileFormat.Csv => $"{id},\"post number {id}, about Zenith\",2023-05-29 23:59:42+00:00,\"1,{id % 1000:D3}\"\n",
        PostFileFormat.JsonLines => $$"""{"id": {{id}}, "text": "post number {{id}}", "created_at": "2023-05-29T23:59:42Z", "like_count": {{id % 7}}}""" + "\n",
        _ => $$$"""{"tweet": {"id_str": "{{{id}}}", "full_text": "post number {{{id}}}", "created_at": "Wed Oct 10 20:19:24 +0000 2018", "favorite_count": "2"}}""" + "\n",
    };
}
