using Microsoft.Extensions.Logging;
using Pipeline.Host.Settings;

namespace Pipeline.Host.Commands;

/// <summary>
/// What a verb starts from: the settings file (<c>--config</c>, else <c>PIPELINE_CONFIG</c>, else the default), its
/// configuration and typed settings, and console logging. Each part is read the first time a verb asks for it, so a verb
/// that needs no settings (train-sentiment, reload with <c>--url</c>) does not fail on a settings file it never uses.
/// </summary>
/// <param name="logsToStandardError">For a verb whose standard output is its data (export): every log line goes to standard error.</param>
public sealed class CommandContext(string? configPath, LogLevel minimumLevel = LogLevel.Warning, bool logsToStandardError = false) : IDisposable
{
    private string? _configFile;
    private Akka.Configuration.Config? _config;
    private PipelineSettings? _settings;
    private ILoggerFactory? _loggers;

    /// <summary>The settings file in use.</summary>
    public string ConfigFile => _configFile ??= SettingsLoader.ResolveConfigPath(configPath);

    /// <summary>The whole configuration, <c>akka { }</c> included.</summary>
    /// <exception cref="SettingsException">The file cannot be read or parsed.</exception>
    public Akka.Configuration.Config Config => _config ??= SettingsLoader.LoadConfig(ConfigFile);

    /// <exception cref="SettingsException">A setting is invalid (each problem named with its path).</exception>
    public PipelineSettings Settings => _settings ??= SettingsLoader.Load(Config);

    /// <summary>
    /// <see cref="Settings"/>, or with <paramref name="demoDatabase"/> the same settings pointed at the demo's embedded
    /// database (<c>pipeline.demo.folder</c>), so an admin verb can reach what the demo stored, running or not.
    /// </summary>
    public PipelineSettings SettingsFor(bool demoDatabase) => demoDatabase ? SettingsLoader.LoadDemo(Config).Embedded(Settings) : Settings;

    /// <summary>The pseudonym and tombstone secret, as the service reads it (null: the database's own key).</summary>
    /// <exception cref="SettingsException">It is set but too short.</exception>
    public string? PrivacySecret => Pipeline.Host.Settings.PrivacySecret.FromEnvironment(Environment.GetEnvironmentVariable).Value;

    /// <summary>
    /// One line per message on the console; Npgsql's own information (every connection, every command) stays out of a verb's output.
    /// </summary>
    public ILoggerFactory Loggers => _loggers ??= LoggerFactory.Create(b => b
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = logsToStandardError ? LogLevel.Trace : LogLevel.None)
        .SetMinimumLevel(minimumLevel)
        .AddFilter("Npgsql", LogLevel.Warning));

    public void Dispose() => _loggers?.Dispose();
}
