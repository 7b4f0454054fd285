using System.Diagnostics;
using System.Net;
using System.Text;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// The real <c>dist/meshnetd</c> with <c>--store kubernetes</c>, pointed at an API server through KUBECONFIG (as on a
/// node outside the cluster). Ready when its <c>/readyz</c> answers 200: its informer has listed the Topologies.
/// </summary>
/// <param name="extraArgs">more command-line options (e.g. gRPC wires: the link type and a node-API port of the test's own).</param>
internal sealed class KubeDaemonProcess(NodeDirs dirs, string kubeconfig, string nodeName, string nodeIp, IReadOnlyList<string>? extraArgs = null) : IDisposable
{
    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>A TCP port nobody listens on right now (for a node API of the test's own).</summary>
    public static int FreePort() => TcpPorts.Free();

    public async Task StartAsync()
    {
        var healthPort = TcpPorts.Free();
        var psi = new ProcessStartInfo(Binaries.Daemon)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args =
        [
            "--store", "kubernetes", "--node", nodeName, "--node-ip", nodeIp,
            "--socket", dirs.Socket, "--state-dir", dirs.State,
            "--cni-conf-dir", dirs.ConfDir, "--cni-bin-dir", dirs.BinDir,
            "--health-port", healthPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // One node here: no node-to-node API (its fixed port would clash between tests running in parallel), and
            // the node certificate stays in the test's directory (the CA comes from the fixture's meshnet-ca Secret) instead of /run/meshnet/pki.
            "--pki-dir", Path.Combine(dirs.Root, "pki"),
            .. extraArgs ?? ["--grpc-port", "0"],
        ];
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = kubeconfig;
        // Never mistake the test machine for a pod: the store would pick the in-cluster config instead of KUBECONFIG.
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        psi.Environment.Remove("KUBERNETES_SERVICE_PORT");

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync(healthPort);
    }

    public void Stop()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    private async Task WaitReadyAsync(int healthPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"meshnetd exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var reply = await http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/readyz"));
                if (reply.StatusCode == HttpStatusCode.OK && File.Exists(dirs.Socket))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"meshnetd not ready within 30 s:\n{Log}");
    }


    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public void Dispose() => Stop();
}
