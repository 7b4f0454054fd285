using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Meshnet.Bench.Kubernetes;

/// <summary>
/// The real <c>meshnetd --store kubernetes</c> on KUBECONFIG pointing at the in-process API server, with every file
/// it writes under <paramref name="dir"/>, no CNI config management and no node-to-node port.
/// </summary>
internal sealed class BenchDaemon(string meshnetd, string dir, Uri api) : IDisposable
{
    public const string NodeName = "bench-node";
    public const string NodeIp = "10.99.0.1";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Socket => Path.Combine(dir, "run", "meshnet.sock");

    public string IndexPath => Path.Combine(dir, "run", Protocol.TopologyIndexFile.FileName);

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

    public async Task StartAsync()
    {
        var kubeconfig = Path.Combine(dir, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, Meshnet.Store.Kubernetes.Tests.Fixture.FakeApiServer.KubeconfigFor(api));
        var health = FreeTcpPort();
        var psi = new ProcessStartInfo(meshnetd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--store", "kubernetes", "--node", NodeName, "--node-ip", NodeIp,
            "--socket", Socket, "--state-dir", Path.Combine(dir, "run"), "--no-cni-config",
            "--grpc-port", "0", "--pki-dir", Path.Combine(dir, "pki"),
            "--health-port", health.ToString(CultureInfo.InvariantCulture),
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = kubeconfig;
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        psi.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"meshnetd exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var reply = await http.GetAsync(new Uri($"http://127.0.0.1:{health}/readyz"));
                if (reply.StatusCode == HttpStatusCode.OK && File.Exists(Socket))
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

    private static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        _process?.Dispose();
    }
}
