using System.Text.RegularExpressions;
using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>A role name that cannot be used for the role a setting names; the message names the setting.</summary>
public sealed class RoleNameException(string message) : Exception(message);

/// <summary>
/// The run-time logins the owner sets up: the <paramref name="Writer"/> the service runs as, and the read-only
/// <paramref name="Reporting"/> login for Tableau. Each is named by a setting, quoted in every error.
/// </summary>
public sealed partial record DatabaseRoles(string Writer, string Reporting)
{
    public const string WriterSetting = "pipeline.database.writer-user";
    public const string ReportingSetting = "pipeline.database.reporting-user";

    /// <summary>The group role that may read the reporting views and nothing else (migration V002).</summary>
    public const string ReportingGroup = "pipeline_reporting";

    /// <summary>
    /// Why these names cannot be used with <paramref name="owner"/> (the login that runs migrations), or null.
    /// A login set up here gets its password replaced and its rights cut down to its job, so it may never be the
    /// owner, the other login, a built-in role or the reporting group itself.
    /// </summary>
    public string? Problem(string? owner) =>
        NameProblem(WriterSetting, Writer, owner)
        ?? NameProblem(ReportingSetting, Reporting, owner)
        ?? (Writer == Reporting
            ? $"{ReportingSetting} = \"{Reporting}\" is also {WriterSetting}: the read-only login cannot be the writer. Choose another name."
            : null);

    /// <summary>Why <paramref name="name"/> cannot be the login <paramref name="setting"/> names, or null.</summary>
    public static string? NameProblem(string setting, string name, string? owner = null)
    {
        if (!PlainIdentifier().IsMatch(name))
            return $"{setting} = \"{name}\": must be a plain lower-case identifier (a letter or _, then letters, digits or _; at most 63).";
        if (name.StartsWith("pg_", StringComparison.Ordinal) || name is "postgres" or "public" or ReportingGroup)
            return $"{setting} = \"{name}\": '{name}' is reserved (a built-in role or the reporting group); choose another name.";
        if (name == owner)
            return $"{setting} = \"{name}\" is the login that owns the schema and runs migrations; " +
                   "it would lose its rights. Choose another name.";
        return null;
    }

    /// <exception cref="RoleNameException">See <see cref="Problem"/>.</exception>
    public void Validate(string? owner)
    {
        if (Problem(owner) is { } problem)
            throw new RoleNameException(problem);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex PlainIdentifier();
}

/// <summary>What a login may do in the pipeline database, for the warnings and the run-or-migrate decision.</summary>
/// <param name="User">current_user.</param>
/// <param name="IsSuperuser">rolsuper.</param>
/// <param name="OwnsSchema">Owns the <c>pipeline</c> schema (or is a member of its owner).</param>
/// <param name="CanCreateSchemas">May create schemas in the database (needed for a first migration).</param>
public sealed record LoginRights(string User, bool IsSuperuser, bool OwnsSchema, bool CanCreateSchemas)
{
    /// <summary>Can run migrations: owns the schema, or there is none yet and it may make one.</summary>
    public bool CanMigrate(bool schemaExists) => IsSuperuser || OwnsSchema || (!schemaExists && CanCreateSchemas);
}

/// <summary>
/// The owner's side of least privilege: the writer and reporting logins (passwords set only as SCRAM verifiers)
/// and the grants that let each do its job and nothing else. Run as the owner after every migration: every
/// statement is idempotent, and grants are given on all tables present, so a migration's new tables are covered.
/// </summary>
public sealed class DatabaseRoleSetup(NpgsqlDataSource owner)
{
    /// <summary>Who the owner connection is and what it may do.</summary>
    public async Task<LoginRights> RightsAsync(CancellationToken ct = default) => await ReadRightsAsync(owner, ct);

    public static async Task<LoginRights> ReadRightsAsync(NpgsqlDataSource dataSource, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT current_user::text,
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
                   coalesce((SELECT pg_has_role(nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'pipeline'), false),
                   has_database_privilege(current_database(), 'CREATE')
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new LoginRights(reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2), reader.GetBoolean(3));
    }

    /// <summary>True when a role of this name exists.</summary>
    public async Task<bool> ExistsAsync(string role, CancellationToken ct = default)
    {
        await using var command = owner.CreateCommand("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// Creates the login if missing and sets its password, sent as a SCRAM-SHA-256 verifier computed here: the
    /// password itself never reaches the server, its log or its statistics. The login gets no special powers
    /// (no superuser, CREATEDB, CREATEROLE, replication or RLS bypass).
    /// </summary>
    /// <exception cref="RoleNameException">The name is not usable (see <see cref="DatabaseRoles.Problem"/>), or it
    /// names an existing superuser, which this must never demote.</exception>
    public async Task EnsureLoginAsync(string setting, string user, string password, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        await using var connection = await owner.OpenConnectionAsync(ct);
        bool ownerIsSuperuser;
        await using (var check = new NpgsqlCommand(
            "SELECT current_user::text, (SELECT rolsuper FROM pg_roles WHERE rolname = $1), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)",
            connection))
        {
            check.Parameters.Add(new NpgsqlParameter { Value = user });
            await using var reader = await check.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            ownerIsSuperuser = reader.GetBoolean(2);
            if (DatabaseRoles.NameProblem(setting, user, owner: reader.GetString(0)) is { } problem)
                throw new RoleNameException(problem);
            if (!reader.IsDBNull(1) && reader.GetBoolean(1))
                throw new RoleNameException($"{setting} = \"{user}\" names an existing superuser; choose another name.");
        }

        // A verifier is only base64, digits, '$' and ':': safe inside a literal. ALTER ROLE takes no parameters.
        var verifier = ScramVerifier.Compute(password);
        // PostgreSQL lets only a superuser name the SUPERUSER, REPLICATION and BYPASSRLS attributes, even to turn
        // them off; a CREATEROLE owner's new roles never have them, and it cannot alter a role that does.
        var attributes = ownerIsSuperuser
            ? "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
            : "NOCREATEDB NOCREATEROLE";
        await using var command = new NpgsqlCommand($"""
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') THEN
                    CREATE ROLE {user} LOGIN;
                END IF;
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN NULL;
            END
            $$;
            ALTER ROLE {user} LOGIN PASSWORD '{verifier}' {attributes};
            """, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Makes <paramref name="user"/> a member of the reporting group (reporting views only).</summary>
    public async Task GrantReportingAsync(string user, CancellationToken ct = default)
    {
        RequirePlainIdentifier(DatabaseRoles.ReportingSetting, user);
        await using var command = owner.CreateCommand($"GRANT {DatabaseRoles.ReportingGroup} TO {user}");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Nobody but the roles named here may connect to this database or make temporary tables in it (revoked from
    /// PUBLIC), and nobody may create in the public schema; the reporting group may connect. Needs the database's
    /// owner (or a superuser): for any other owner login PostgreSQL only warns, and a DBA does it (README).
    /// </summary>
    public async Task LockDownDatabaseAsync(CancellationToken ct = default)
    {
        await using var command = owner.CreateCommand($"""
            DO $$
            BEGIN
                EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO {DatabaseRoles.ReportingGroup}', current_database());
                -- Databases made before PostgreSQL 15 still let everyone create in public.
                REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            EXCEPTION
                WHEN insufficient_privilege THEN
                    RAISE WARNING 'pipeline: % cannot revoke CONNECT/TEMPORARY on this database from PUBLIC; a DBA must', current_user;
            END
            $$;
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Nobody may connect to the cluster's other databases (<c>postgres</c>, <c>template1</c>, …) unless granted:
    /// revokes CONNECT and TEMPORARY from PUBLIC on each. Only for a cluster that is the pipeline's own (the
    /// embedded one); on a shared server that is the DBA's decision (see <see cref="OtherDatabasesOpenToAsync"/>).
    /// </summary>
    public async Task CloseOtherDatabasesAsync(CancellationToken ct = default)
    {
        await using var command = owner.CreateCommand("""
            DO $$
            DECLARE
                other name;
            BEGIN
                FOR other IN SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() LOOP
                    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', other);
                END LOOP;
            END
            $$;
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The cluster's other databases <paramref name="role"/> may connect to (through PUBLIC, usually).</summary>
    public async Task<IReadOnlyList<string>> OtherDatabasesOpenToAsync(string role, CancellationToken ct = default)
    {
        await using var command = owner.CreateCommand("""
            SELECT datname::text FROM pg_database
            WHERE datallowconn AND datname <> current_database() AND has_database_privilege($1, datname, 'CONNECT')
            ORDER BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = role });
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>
    /// What the service needs at run time, and nothing more: connect and stage COPY batches in temporary tables;
    /// read, insert and update the pipeline tables (read only the migration history); delete only where the code
    /// does (<c>pipeline.topics</c>: a republished catalog prunes topics it no longer has; <c>pipeline.daily_rollup</c>:
    /// the rollup trigger, which runs with the writer's rights, removes emptied groups, and so for the hourly and minute
    /// rollups, whose aged-out minutes the alert detector deletes); the sequences and functions
    /// the inserts and triggers use; the Akka.Persistence journal, snapshot and tag tables in full (Akka deletes old
    /// snapshots and, on request, events); and membership of the reporting group, which the dashboard reads as.
    /// No CREATE anywhere, no TRUNCATE, no ownership: it cannot alter or drop a table. Posts are deleted only through
    /// <c>pipeline.forget_posts</c> (V014) and the retention purge's <c>pipeline.purge_*</c> functions (V016), which run with
    /// the owner's rights, and the audit trail is append-only. DELETE on the post tables, <c>drop_counts</c> and
    /// <c>quarantine</c> is taken back every time, so a writer an earlier release let purge loses it at the next set-up,
    /// and no command's retention settings decide what the writer may do.
    /// </summary>
    public async Task GrantWriterAsync(string writer, CancellationToken ct = default)
    {
        RequirePlainIdentifier(DatabaseRoles.WriterSetting, writer);
        await using var command = owner.CreateCommand($"""
            DO $$
            BEGIN
                EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {writer}', current_database());
            EXCEPTION
                WHEN insufficient_privilege THEN
                    RAISE WARNING 'pipeline: % cannot grant CONNECT, TEMPORARY on this database to {writer}; a DBA must', current_user;
            END
            $$;
            GRANT USAGE ON SCHEMA pipeline TO {writer};
            GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA pipeline TO {writer};
            REVOKE INSERT, UPDATE, DELETE ON pipeline.schema_migrations FROM {writer};
            GRANT DELETE ON pipeline.topics, pipeline.daily_rollup TO {writer};
            DO $$
            BEGIN
                -- Made by V014: the audit trail is append-only, and the privacy secret is read, never changed.
                IF to_regclass('pipeline.audit') IS NOT NULL THEN
                    REVOKE UPDATE ON pipeline.audit, pipeline.privacy_key FROM {writer};
                    REVOKE INSERT ON pipeline.privacy_key FROM {writer};
                END IF;
            END
            $$;
            DO $$
            BEGIN
                -- Made by V009: the trigger removes emptied groups, the detector the minutes that aged out.
                IF to_regclass('pipeline.minute_rollup') IS NOT NULL THEN
                    GRANT DELETE ON pipeline.hourly_rollup, pipeline.minute_rollup TO {writer};
                END IF;
            END
            $$;
            GRANT USAGE ON ALL SEQUENCES IN SCHEMA pipeline TO {writer};
            GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA pipeline TO {writer};
            GRANT USAGE ON SCHEMA public TO {writer};
            DO $$
            BEGIN
                -- Made by V008; a database migrated only part of the way (tests of older releases) has none yet.
                IF to_regclass('public.journal') IS NOT NULL THEN
                    GRANT SELECT, INSERT, UPDATE, DELETE ON public.journal, public.tags, public.snapshot TO {writer};
                    GRANT USAGE ON SEQUENCE public.journal_ordering_seq TO {writer};
                END IF;
            END
            $$;
            GRANT {DatabaseRoles.ReportingGroup} TO {writer};
            REVOKE DELETE ON pipeline.raw_posts, pipeline.scored_posts, pipeline.drop_counts, pipeline.quarantine FROM {writer};
            """);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static void RequirePlainIdentifier(string setting, string name)
    {
        // Names go into SQL text (utility statements take no parameters): only plain identifiers get there.
        if (DatabaseRoles.NameProblem(setting, name) is { } problem)
            throw new RoleNameException(problem);
    }
}
