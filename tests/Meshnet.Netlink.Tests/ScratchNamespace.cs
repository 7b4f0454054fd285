using Meshnet.Testing;

namespace Meshnet.Netlink.Tests;

/// <summary>A throwaway namespace with our NetNs and a netlink handle opened in it; all three released on Dispose.</summary>
internal sealed class ScratchNamespace : IDisposable
{
    private readonly TempNetns _temp;

    public ScratchNamespace()
    {
        _temp = TempNetns.Create();
        Ns = NetNs.Open(_temp.Name);
        Nl = NetlinkHandle.Open(Ns);
    }

    public string Name => _temp.Name;

    public NetNs Ns { get; }

    public NetlinkHandle Nl { get; }

    /// <summary>Skips the calling test unless we may create namespaces.</summary>
    public static void RequireRoot() => Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);

    public Cmd.Result Exec(params string[] command) => _temp.Exec(command);

    /// <summary>`ip -o link show NAME` inside the namespace (what iproute2 sees, independent of our decoder).</summary>
    public string IpLink(string name) => Exec("ip", "-o", "link", "show", name).EnsureSuccess().Stdout;

    public void Dispose()
    {
        Nl.Dispose();
        Ns.Dispose();
        _temp.Dispose();
    }
}
