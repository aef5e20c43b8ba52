using System.Text;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Actors.Tests.Sources;

/// <summary>Answers for <see cref="FakeHttpServer"/> that a string body cannot give: raw bytes, and bodies too large to hold.</summary>
internal static class RawAnswers
{
    /// <summary>Exactly these bytes (invalid UTF-8 included), with their Content-Length.</summary>
    public static Func<HttpContext, Task> Bytes(byte[] body, string contentType = "text/html; charset=utf-8", int status = 200) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    };

    /// <summary>
    /// <paramref name="totalBytes"/> of <paramref name="prefix"/> followed by filler, written in chunks without a
    /// Content-Length, as a misbehaving server streams it: the client learns the size only by reading. Records how
    /// much it managed to write before the client stopped reading and went away.
    /// </summary>
    public static Func<HttpContext, Task> Streamed(long totalBytes, StreamedBody record, string prefix = "", string contentType = "text/html; charset=utf-8") =>
        async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = contentType;
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            try
            {
                var head = Encoding.UTF8.GetBytes(prefix);
                await context.Response.Body.WriteAsync(head, context.RequestAborted);
                record.Add(head.Length);
                while (record.Written < totalBytes)
                {
                    var size = (int)Math.Min(chunk.Length, totalBytes - record.Written);
                    await context.Response.Body.WriteAsync(chunk.AsMemory(0, size), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    record.Add(size);
                }

                record.Finished();
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                record.Abandoned();
            }
        };
}

/// <summary>What <see cref="RawAnswers.Streamed"/> wrote, read from the test thread.</summary>
internal sealed class StreamedBody
{
    private long _written;
    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Written => Interlocked.Read(ref _written);

    /// <summary>True when the whole body was written, false when the client went away first.</summary>
    public Task<bool> Ended => _ended.Task;

    public void Add(long bytes) => Interlocked.Add(ref _written, bytes);

    public void Finished() => _ended.TrySetResult(true);

    public void Abandoned() => _ended.TrySetResult(false);
}
