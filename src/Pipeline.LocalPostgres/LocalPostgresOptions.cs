namespace Pipeline.Postgres;

/// <summary>How to run a PostgreSQL cluster from the local server binaries.</summary>
/// <param name="DataDirectory">The cluster's data folder (PGDATA). Created and initialised (initdb) when it has no
/// <c>PG_VERSION</c>; reused as it is otherwise.</param>
/// <param name="BinDirectory">Folder holding <c>initdb</c> and <c>pg_ctl</c>; <c>null</c> searches for them
/// (see <see cref="LocalPostgres.FindBinDirectory"/>).</param>
/// <param name="Port">Loopback TCP port; <c>null</c> picks a free one.</param>
/// <param name="Durable"><c>false</c> turns off fsync, synchronous commit and full-page writes: fast, for throwaway
/// clusters (tests) only.</param>
/// <param name="Database">Database created (if missing) and named in <see cref="LocalPostgres.ConnectionString"/>.</param>
public sealed record LocalPostgresOptions(
    string DataDirectory,
    string? BinDirectory = null,
    int? Port = null,
    bool Durable = true,
    string Database = "pipeline")
{
    /// <summary>Extra server settings passed as <c>-c name=value</c> at every start (for example <c>max_connections</c>).</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// When a server is already up on the data folder (the running service's, or the demo's), connect to it as it is and
    /// leave it running afterwards, instead of stopping it and starting one with this run's settings. For one-shot verbs
    /// (export, forget, migrate…) beside a running service; the service itself always starts its own.
    /// </summary>
    public bool JoinRunning { get; init; }
}

/// <summary>Starting, stopping or reaching a <see cref="LocalPostgres"/> cluster failed; the message says why.</summary>
public sealed class LocalPostgresException : Exception
{
    public LocalPostgresException(string message) : base(message) { }

    public LocalPostgresException(string message, Exception inner) : base(message, inner) { }
}
