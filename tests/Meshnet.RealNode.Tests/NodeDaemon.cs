using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Testing;

namespace Meshnet.RealNode.Tests;

/// <summary>
/// <c>dist/meshnetd --store kubernetes</c> as the real node's daemon: node <c>vm</c> at 127.0.0.1, the plugin installed
/// into /usr/lib/cni and <c>00-meshnet.conflist</c> written into the node's CNI config dir, where containerd finds them
/// and chains meshnet after the harness bridge for every pod. Its socket and state live in a directory of its own.
/// <see cref="Dispose"/> stops it and removes what it installed; the harness's own bridge config stays.
/// </summary>
internal sealed class NodeDaemon : IDisposable
{
    private readonly StringBuilder _log = new();
    private readonly string _runDir = $"/run/meshnet-realnode-{Guid.NewGuid().ToString("N")[..8]}";
    private Process? _process;

    public string Conflist => Path.Combine(Harness.CniConfDir, "00-meshnet.conflist");

    public static string Plugin => Path.Combine(Harness.CniBinDir, "meshnet");

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

    public int Pid => _process?.Id ?? throw new InvalidOperationException("meshnetd is not running");

    public void Start()
    {
        Directory.CreateDirectory(_runDir);
        var healthPort = TcpPorts.Free();
        var psi = new ProcessStartInfo(Binaries.Daemon) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[]
        {
            "--store", "kubernetes", "--node", Harness.NodeName, "--node-ip", Harness.NodeIp,
            "--cni-conf-dir", Harness.CniConfDir, "--cni-bin-dir", Harness.CniBinDir,
            "--socket", Path.Combine(_runDir, "meshnet.sock"), "--state-dir", _runDir, "--pki-dir", Path.Combine(_runDir, "pki"),
            "--health-port", healthPort.ToString(CultureInfo.InvariantCulture),
            // one node: no node-to-node API (its port is the DaemonSet's, which another test may run)
            "--grpc-port", "0",
        })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["KUBECONFIG"] = Harness.Kubeconfig;
        psi.Environment.Remove("KUBERNETES_SERVICE_HOST");
        psi.Environment.Remove("KUBERNETES_SERVICE_PORT");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitReady(healthPort);
    }

    /// <summary><c>kill -9</c>: the daemon gets no chance to clean anything up.</summary>
    public void Kill9()
    {
        var p = _process ?? throw new InvalidOperationException("meshnetd is not running");
        Cmd.Run("kill", "-KILL", p.Id.ToString(CultureInfo.InvariantCulture)).EnsureSuccess();
        p.WaitForExit();
        p.Dispose();
        _process = null;
    }

    private void WaitReady(int healthPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process!.HasExited, $"meshnetd exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Log}");
            try
            {
                using var reply = http.GetAsync(new Uri($"http://127.0.0.1:{healthPort}/readyz")).GetAwaiter().GetResult();
                if (reply.StatusCode == HttpStatusCode.OK && File.Exists(Conflist) && File.Exists(Plugin))
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"meshnetd not ready (or no {Conflist}) within 60 s:\n{Log}");
    }


    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
                // MESHNET_TEST_DAEMON_LOG=FILE keeps the daemon's log for a look while or after the tests run
                if (Environment.GetEnvironmentVariable("MESHNET_TEST_DAEMON_LOG") is { Length: > 0 } file)
                {
                    File.AppendAllText(file, line + "\n");
                }
            }
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false } p)
        {
            Cmd.Run("kill", "-TERM", p.Id.ToString(CultureInfo.InvariantCulture));
            if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
            {
                p.Kill();
                p.WaitForExit();
            }
        }

        _process?.Dispose();
        _process = null;
        // What this daemon installed on the node; the harness's bridge config stays.
        File.Delete(Conflist);
        File.Delete(Plugin);
        if (Directory.Exists(_runDir))
        {
            Directory.Delete(_runDir, recursive: true);
        }
    }
}
