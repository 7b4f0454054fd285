using Meshnet.Daemon.CniConfig;

namespace Meshnet.Daemon.Cni;

/// <summary>
/// Puts meshnet into the node's CNI chain: installs the plugin binary (shipped next to this daemon) into the CNI bin
/// dir, then keeps <c>00-meshnet.conflist</c> merged from the node's primary config for as long as the daemon runs.
/// </summary>
internal sealed partial class CniSetupService(DaemonOptions options, ILoggerFactory loggers, TimeProvider time) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<CniSetupService>();
        var plugin = Path.Combine(AppContext.BaseDirectory, PluginInstaller.BinaryName);
        if (File.Exists(plugin))
        {
            PluginInstaller.Install(plugin, options.CniBinDir);
            LogInstalled(logger, options.CniBinDir);
        }
        else
        {
            LogNoPlugin(logger, plugin);
        }

        var merger = new CniConfigMerger(options.CniConfDir, options.Socket, options.StateDir);
        var watcher = new CniConfigWatcher(merger, loggers.CreateLogger<CniConfigWatcher>(), time, CniConfigWatcher.DefaultDebounce);
        return watcher.RunAsync(stoppingToken);
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Installed the meshnet plugin into {BinDir}")]
    private static partial void LogInstalled(ILogger logger, string binDir);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "No plugin binary at {Path}; not installing it")]
    private static partial void LogNoPlugin(ILogger logger, string path);
}
