using System.Diagnostics;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>One plugin execution as a container runtime makes it: CNI_* environment plus config on stdin.</summary>
public sealed record CniCall
{
    public required string Command { get; init; }

    public string? ContainerId { get; init; } = "c0ffee01";

    /// <summary>A network namespace every process can open (the plugin's own), as ADD and CHECK require one.</summary>
    public const string AnyNetns = "/proc/self/ns/net";

    public string? Netns { get; init; } = AnyNetns;

    public string? IfName { get; init; } = "eth0";

    public string? CniPath { get; init; } = "/usr/lib/cni";

    public string? Args { get; init; } = "IgnoreUnknown=1;K8S_POD_NAMESPACE=lab;K8S_POD_NAME=r1;K8S_POD_INFRA_CONTAINER_ID=c0ffee01";

    public string Stdin { get; init; } = string.Empty;

    public PluginResult Run(string binary)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string key in psi.Environment.Keys.Where(k => k.StartsWith("CNI_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }
        Set(psi, "CNI_COMMAND", Command);
        Set(psi, "CNI_CONTAINERID", ContainerId);
        Set(psi, "CNI_NETNS", Netns);
        Set(psi, "CNI_IFNAME", IfName);
        Set(psi, "CNI_PATH", CniPath);
        Set(psi, "CNI_ARGS", Args);
        using var process = Process.Start(psi)!;
        try
        {
            process.StandardInput.Write(Stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the plugin may answer without reading its stdin (VERSION does) and be gone before we finish writing
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"meshnet {Command} did not finish");
        }
        return new PluginResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static void Set(ProcessStartInfo psi, string name, string? value)
    {
        if (value is not null)
        {
            psi.Environment[name] = value;
        }
    }
}
