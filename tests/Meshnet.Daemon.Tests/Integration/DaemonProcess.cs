using System.Diagnostics;
using System.Text;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;

namespace Meshnet.Daemon.Tests.Integration;

/// <summary>A running <c>meshnetd</c> on a node's directories; stop and start it to test restarts.</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly NodeDirs _dirs;
    private readonly string _nodeName;
    private Process? _process;
    private readonly StringBuilder _log = new();

    public DaemonProcess(NodeDirs dirs, string nodeName = "node1")
    {
        _dirs = dirs;
        _nodeName = nodeName;
    }

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

    public bool IsRunning => _process is { HasExited: false };

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(Binaries.Daemon)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
        {
            "--store", $"sqlite:{_dirs.Store}", "--node", _nodeName, "--node-ip", "10.99.0.1",
            "--socket", _dirs.Socket, "--state-dir", _dirs.State,
            "--cni-conf-dir", _dirs.ConfDir, "--cni-bin-dir", _dirs.BinDir,
            // Several test nodes share the host namespace here: the node-to-node port would collide.
            "--grpc-port", "0",
        })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitReadyAsync();
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

    /// <summary>Ready = answers STATUS over its socket with success (its topologies are loaded).</summary>
    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"meshnetd exited with {_process.ExitCode}:\n{Log}");
            }

            if (File.Exists(_dirs.Socket))
            {
                try
                {
                    using var channel = DaemonChannel.ForUnixSocket(_dirs.Socket);
                    var reply = await new CniBackend.CniBackendClient(channel).StatusAsync(new StatusRequest { CniVersion = "1.1.0" }, deadline: DateTime.UtcNow.AddSeconds(2));
                    if (reply.ErrorCode == 0)
                    {
                        return;
                    }
                }
                catch (Grpc.Core.RpcException)
                {
                    // not listening yet
                }
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"meshnetd not ready within 30 s:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public void Dispose() => Stop();
}
