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
    /// Content-Length, as a misbehaving server streams it: the client learns the size only by reading, and the body
    /// is never held whole here either.
    /// </summary>
    public static Func<HttpContext, Task> Streamed(long totalBytes, string prefix = "", string contentType = "text/html; charset=utf-8") =>
        async context =>
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = contentType;
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            try
            {
                var head = Encoding.UTF8.GetBytes(prefix);
                await context.Response.Body.WriteAsync(head, context.RequestAborted);
                for (long written = head.Length; written < totalBytes && !context.RequestAborted.IsCancellationRequested; written += chunk.Length)
                {
                    await context.Response.Body.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, totalBytes - written)), context.RequestAborted);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                // The client stopped reading and went away: what it is there to test.
            }
        };
}
