using System.Diagnostics;
using System.Globalization;
using Meshnet.Netlink;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// One <c>meshnetd</c> per emulated node, started inside the node's namespace and left running in the background
/// (its own session, output in a log file, pid in a pid file under the lab's run directory) until <c>lab down</c>.
/// </summary>
internal sealed class NodeDaemons(string lab, string storeSpec, EmulatedNodes nodes)
{
    public string RunDir { get; } = Path.Combine(Environment.GetEnvironmentVariable("MESHNET_RUN_DIR") ?? "/run/meshnet", "lab", lab);

    public string Socket(int i) => Path.Combine(RunDir, $"n{i.ToString(CultureInfo.InvariantCulture)}", "meshnet.sock");

    private string NodeDir(int i) => Path.Combine(RunDir, $"n{i.ToString(CultureInfo.InvariantCulture)}");

    private string PidFile(int i) => Path.Combine(NodeDir(i), "meshnetd.pid");

    public string LogFile(int i) => Path.Combine(NodeDir(i), "meshnetd.log");

    private string LinkTypeFile => Path.Combine(RunDir, "link-type");

    /// <summary>
    /// Starts the daemons of nodes 1..count that are not running, with <paramref name="linkType"/> (vxlan or grpc)
    /// between nodes, and waits until each answers. A lab whose daemons run with the other link type is refused.
    /// Returns the nodes whose daemon had been started before and was found not running (restarted now).
    /// </summary>
    public async Task<IReadOnlyList<int>> EnsureRunningAsync(int count, string linkType, CancellationToken ct)
    {
        var restarted = new List<int>();
        var daemon = Path.Combine(AppContext.BaseDirectory, "meshnetd");
        if (!File.Exists(daemon))
        {
            throw new FileNotFoundException($"meshnetd not found next to meshnetctl ({daemon}); multi-node labs run the daemon from the same directory");
        }

        if (File.Exists(LinkTypeFile) && (await File.ReadAllTextAsync(LinkTypeFile, ct)).Trim() is var running && running != linkType
            && Enumerable.Range(1, count).Any(i => RunningPid(i) is not null))
        {
            throw new LabFileException($"lab {lab}: its nodes run with --link-type {running}; take it down (lab down {lab}) to change to {linkType}");
        }

        Directory.CreateDirectory(RunDir);
        await File.WriteAllTextAsync(LinkTypeFile, linkType, ct);

        for (var i = 1; i <= count; i++)
        {
            if (RunningPid(i) is not null)
            {
                continue;
            }

            if (File.Exists(PidFile(i)))
            {
                restarted.Add(i);
            }

            Directory.CreateDirectory(NodeDir(i));
            string[] args =
            [
                // setsid: the daemon outlives this command; sh records its pid, then becomes it.
                "-f", "/bin/sh", "-c", "echo $$ > \"$1\"; log=\"$2\"; shift 2; exec \"$@\" >>\"$log\" 2>&1 </dev/null", "sh",
                PidFile(i), LogFile(i), daemon,
                "--store", storeSpec, "--node", nodes.NodeName(i), "--node-ip", EmulatedNodes.NodeAddress(i).ToString(),
                "--socket", Socket(i), "--state-dir", NodeDir(i), "--no-cni-config",
                // One CA for the lab's nodes: real mutual TLS between them.
                "--pki-dir", Path.Combine(RunDir, "pki"),
                "--inter-node-link-type", linkType.ToUpperInvariant(),
                // Labs are looked at by people: wire counters in the status follow within 2 s.
                "--wire-counter-seconds", "2",
            ];
            using var ns = NetNs.Open(nodes.NodeNs(i));
            ns.Run(() =>
            {
                var psi = new ProcessStartInfo("setsid") { UseShellExecute = false };
                foreach (var a in args)
                {
                    psi.ArgumentList.Add(a);
                }

                using var p = Process.Start(psi)!;
                p.WaitForExit();
            });
        }

        await Task.WhenAll(Enumerable.Range(1, count).Select(i => WaitReadyAsync(i, ct)));
        return restarted;
    }

    public CniBackend.CniBackendClient Client(int i, out IDisposable channel)
    {
        var c = DaemonChannel.ForUnixSocket(Socket(i));
        channel = c;
        return new CniBackend.CniBackendClient(c);
    }

    /// <summary>Stops every daemon of the lab (SIGKILL: they keep no state outside the store) and removes the run directory.</summary>
    public int StopAll()
    {
        if (!Directory.Exists(RunDir))
        {
            return 0;
        }

        var stopped = 0;
        foreach (var pidFile in Directory.GetFiles(RunDir, "meshnetd.pid", SearchOption.AllDirectories))
        {
            if (ReadPid(pidFile) is { } pid && TryGetProcess(pid) is { } p)
            {
                using (p)
                {
                    p.Kill();
                    p.WaitForExit(5000);
                }

                stopped++;
            }
        }

        Directory.Delete(RunDir, recursive: true);
        return stopped;
    }

    /// <summary>The pid of node <paramref name="i"/>'s daemon when it is running, else null.</summary>
    public int? RunningPid(int i) => ReadPid(PidFile(i)) is { } pid && TryGetProcess(pid) is { } p ? Dispose(p, pid) : null;

    private static int Dispose(Process p, int pid)
    {
        p.Dispose();
        return pid;
    }

    private static int? ReadPid(string file) =>
        File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private static Process? TryGetProcess(int pid)
    {
        try
        {
            var p = Process.GetProcessById(pid);
            if (!p.HasExited && File.ReadAllText($"/proc/{pid}/cmdline").Contains("meshnetd", StringComparison.Ordinal))
            {
                return p;
            }

            p.Dispose();
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException)
        {
            // not running (or not ours any more)
        }

        return null;
    }

    private async Task WaitReadyAsync(int i, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(Socket(i)))
            {
                try
                {
                    var client = Client(i, out var channel);
                    using (channel)
                    {
                        var reply = await client.StatusAsync(new StatusRequest { CniVersion = "1.1.0" }, deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: ct);
                        if (reply.ErrorCode == 0)
                        {
                            return;
                        }
                    }
                }
                catch (Grpc.Core.RpcException)
                {
                    // not listening yet
                }
            }

            await Task.Delay(50, ct);
        }

        var log = File.Exists(LogFile(i)) ? await File.ReadAllTextAsync(LogFile(i), ct) : "(no log)";
        throw new TimeoutException($"meshnetd of node {nodes.NodeName(i)} did not become ready within 30 s; its log:{Environment.NewLine}{log}");
    }
}
