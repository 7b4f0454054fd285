using System.Diagnostics;

namespace Meshnet.Cni.Tests.Chained;

/// <summary>A uniquely named network namespace (`ip netns add`) that is always deleted on dispose.</summary>
internal sealed class ThrowawayNamespace : IDisposable
{
    public ThrowawayNamespace(string role)
    {
        Name = $"mncni-{role}-{Guid.NewGuid().ToString("N")[..8]}";
        Ip("netns", "add", Name);
    }

    public string Name { get; }

    public string Path => "/var/run/netns/" + Name;

    /// <summary>Runs `ip` inside this namespace and returns its stdout.</summary>
    public string Exec(params string[] args) => Ip(["-n", Name, .. args]);

    public void Dispose() => Ip("netns", "del", Name);

    private static string Ip(params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string stdout = process.StandardOutput.ReadToEnd();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)}: {stderr}");
        }
        return stdout;
    }
}
