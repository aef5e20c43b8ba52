using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pipeline.Actors.Storage;

/// <summary>How every part of the pipeline connects to PostgreSQL.</summary>
public static class PipelineDataSource
{
    /// <remarks>
    /// The pool does not reset sessions when a connection is returned: the sink's temporary
    /// staging table then lives as long as the connection instead of being dropped and created
    /// again for every batch. Nothing else here keeps session state.
    /// </remarks>
    public static NpgsqlDataSource Create(string connectionString, ILoggerFactory? loggers = null)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.NoResetOnClose = true;
        builder.ConnectionStringBuilder.ApplicationName ??= "pipeline";
        if (loggers is not null)
        {
            builder.UseLoggerFactory(loggers);
        }

        return builder.Build();
    }
}
