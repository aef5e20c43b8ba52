using System.CommandLine;
using Pipeline.Actors.Import;
using Pipeline.Actors.Storage;
using Pipeline.Host.Commands;
using Pipeline.Host.Settings;

var config = new Option<string?>("--config", "-c")
{
    Description = "HOCON settings file (default: PIPELINE_CONFIG, then pipeline.conf beside the program or in ./hocon)",
    Recursive = true,
};

var run = new Command("run", "Run the service: import the configured files and the inbox, store to PostgreSQL, serve health on the management port.");
run.SetAction(result => Guarded(() => RunCommand.ExecuteAsync(result.GetValue(config))));

var file = new Argument<FileInfo>("file") { Description = "A CSV (header-mapped), JSON lines or X archive tweets.js file" };
var import = new Command("import", "Import one file through the cleaning stage into PostgreSQL, print a summary and exit.") { file };
import.SetAction(result => Guarded(() => ImportCommand.ExecuteAsync(result.GetValue(config), result.GetValue(file)!)));

var migrate = new Command("migrate", "Apply the database schema migrations and exit.");
migrate.SetAction((result, ct) => Guarded(() => MigrateCommand.ExecuteAsync(result.GetValue(config), ct)));

var reloadUrl = new Option<Uri?>("--url") { Description = "The running service's management address (default: pipeline.http host and port)" };
var reloadPath = new Option<string?>("--path") { Description = "Topic model folder (default: the service's pipeline.topics.model-dir)" };
var reloadTopics = new Command("reload-topics", "Ask the running service to switch to the topic model in a folder, without a restart.") { reloadUrl, reloadPath };
reloadTopics.SetAction((result, ct) => Guarded(() => ReloadTopicsCommand.ExecuteAsync(result.GetValue(config), result.GetValue(reloadUrl), result.GetValue(reloadPath), ct)));

var root = new RootCommand("Pipeline: what customers say about companies on social media, cleaned, scored and kept in PostgreSQL.")
{
    run, import, migrate, reloadTopics,
};
root.Options.Add(config);

// The run and import verbs handle SIGTERM/SIGINT themselves to drain in-flight batches.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> Guarded(Func<Task<int>> verb)
{
    try
    {
        return await verb();
    }
    catch (SettingsException e)
    {
        return Fail(ExitCodes.InvalidSettings, e.Message);
    }
    catch (PostFileException e)
    {
        return Fail(ExitCodes.BadInput, e.Message);
    }
    catch (LocalPostgresException e)
    {
        return Fail(ExitCodes.DatabaseUnavailable, e.Message);
    }
    catch (SinkUnavailableException e)
    {
        return Fail(ExitCodes.DatabaseUnavailable, e.Message);
    }
    catch (Npgsql.NpgsqlException e)
    {
        return Fail(ExitCodes.DatabaseUnavailable, $"database error: {e.Message}");
    }
}

static int Fail(int code, string message)
{
    Console.Error.WriteLine($"pipeline: {message}");
    return code;
}
