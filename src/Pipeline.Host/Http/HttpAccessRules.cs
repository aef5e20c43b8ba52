using System.Net;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Http;

/// <summary>What a guard answers.</summary>
public enum Access
{
    Allowed,

    /// <summary>401 with <c>WWW-Authenticate</c>: the right credential would be let in.</summary>
    Challenge,

    /// <summary>403: no credential would help from here.</summary>
    Refused,
}

/// <summary>The management port's access rules as pure functions; <see cref="HttpSecurity"/> applies them to requests.</summary>
public static class HttpAccessRules
{
    /// <summary>
    /// <c>/admin/*</c>: with a token configured, only the admin token, from anywhere (loopback too: another local
    /// user or a local proxy is no operator). Without one, loopback callers only, since no credential could prove more.
    /// </summary>
    public static Access Admin(Caller caller, bool adminTokenConfigured, IPAddress? remote) =>
        adminTokenConfigured
            ? caller == Caller.Admin ? Access.Allowed : Access.Challenge
            : remote is not null && IPAddress.IsLoopback(remote) ? Access.Allowed : Access.Refused;

    /// <summary>The dashboard, its API, <c>/metrics</c> and <c>/status/*</c>; the admin token opens them too.</summary>
    public static Access Dashboard(Caller caller, bool required) =>
        !required || caller is Caller.Dashboard or Caller.Admin ? Access.Allowed : Access.Challenge;

    /// <summary>Methods that change something: the only ones a cross-site page must not be able to send.</summary>
    public static bool IsUnsafe(string method) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method));

    /// <summary>
    /// An unsafe request a browser sent on behalf of another site: <c>Sec-Fetch-Site</c> other than
    /// <c>same-origin</c> or <c>none</c> (a <c>same-site</c> sibling is another application, and nothing here is
    /// meant to be called from one), or an <c>Origin</c> that is not this request's scheme, host and port
    /// (<c>null</c> included). Tools (curl, the CLI) send neither header and pass.
    /// </summary>
    public static bool IsCrossSite(string? fetchSite, string? origin, string scheme, string host)
    {
        if (fetchSite is not null && !fetchSite.Equals("same-origin", StringComparison.OrdinalIgnoreCase) && !fetchSite.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (origin is null)
        {
            return false;
        }

        return !Uri.TryCreate(origin, UriKind.Absolute, out var from)
            || !Uri.TryCreate($"{scheme}://{host}", UriKind.Absolute, out var self)
            || !from.Scheme.Equals(self.Scheme, StringComparison.OrdinalIgnoreCase)
            || !from.Host.Equals(self.Host, StringComparison.OrdinalIgnoreCase)
            || from.Port != self.Port;
    }

    /// <summary>
    /// What HostFiltering accepts: loopback names (a rebinding page can never be served from them), the bind
    /// address when it names one host, and <c>pipeline.http.allowed-hosts</c>.
    /// </summary>
    public static IReadOnlyList<string> AllowedHosts(HttpSettings http)
    {
        var hosts = new List<string> { "localhost", "127.0.0.1", "[::1]" };
        var bind = http.Host.Trim();
        if (bind is not ("*" or "+") && !(IPAddress.TryParse(bind.Trim('[', ']'), out var address)
                                         && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))))
        {
            var bare = bind.Trim('[', ']');
            hosts.Add(IPAddress.TryParse(bare, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{bare}]" : bind);
        }

        hosts.AddRange(http.AllowedHosts);
        return hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>
    /// Where this machine reaches a service bound to <paramref name="host"/>: that address, or loopback when it binds
    /// every address (<c>0.0.0.0</c> is no host to ask, and HostFiltering refuses it as a Host header).
    /// </summary>
    public static Uri LocalUrl(string host, int port)
    {
        var local = host.Trim().Trim('[', ']') switch
        {
            "0.0.0.0" or "*" or "+" => "127.0.0.1",
            "::" => "[::1]",
            var h when IPAddress.TryParse(h, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 => $"[{h}]",
            var h => h,
        };
        return new Uri($"http://{local}:{port}/");
    }

    /// <summary>
    /// <paramref name="path"/> as the file system resolves it (every symbolic link followed, <c>..</c> taken
    /// after the link it follows, as the kernel does) when that is <paramref name="root"/> or under it; else null.
    /// The answer does not depend on whether the folder exists, so a caller cannot probe the disk with it.
    /// </summary>
    public static string? UnderRoot(string root, string path)
    {
        var realRoot = RealPath(root);
        var real = RealPath(path);
        if (realRoot is null || real is null)
        {
            return null;
        }

        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        var prefix = realRoot.EndsWith(Path.DirectorySeparatorChar) ? realRoot : realRoot + Path.DirectorySeparatorChar;
        return real.Equals(realRoot, comparison) || real.StartsWith(prefix, comparison) ? real : null;
    }

    /// <summary>
    /// The absolute path with every link resolved, component by component (what realpath(3) does, but also for
    /// a path whose end does not exist yet: the missing part is appended as written). Null for a link loop.
    /// </summary>
    public static string? RealPath(string path)
    {
        const int maxLinks = 40;
        var absolute = Path.IsPathRooted(path) ? path : Path.Combine(Directory.GetCurrentDirectory(), path);
        var current = Path.GetPathRoot(absolute)!;
        var pending = new LinkedList<string>(Segments(absolute));
        var links = 0;
        while (pending.First is { } first)
        {
            pending.RemoveFirst();
            var segment = first.Value;
            if (segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }

            var next = Path.Combine(current, segment);
            if (new FileInfo(next).LinkTarget is { } target)
            {
                if (++links > maxLinks)
                {
                    return null;
                }

                // The target replaces this segment and is itself resolved, relative to the folder holding the link.
                var targetPath = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                current = Path.GetPathRoot(targetPath)!;
                foreach (var part in Segments(targetPath).Reverse())
                {
                    pending.AddFirst(part);
                }

                continue;
            }

            current = next;
        }

        return current;
    }

    private static string[] Segments(string absolute) =>
        absolute[Path.GetPathRoot(absolute)!.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
}
