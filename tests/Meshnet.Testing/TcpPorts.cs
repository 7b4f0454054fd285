using System.Net;
using System.Net.Sockets;

namespace Meshnet.Testing;

/// <summary>Ports for daemons the tests start on the host's loopback.</summary>
public static class TcpPorts
{
    /// <summary>A TCP port free on 127.0.0.1 right now (the kernel's pick; another process may take it before use).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
