using System.Text;

namespace Meshnet.Testing;

/// <summary>Builds Topology YAML for tests: each link is written on both ends, mirrored, as users write them.</summary>
public sealed class TopologyYaml
{
    private readonly List<string> _pods = [];
    private readonly Dictionary<string, StringBuilder> _links = [];
    private int _nextUid;

    public TopologyYaml Pod(string name)
    {
        if (!_links.ContainsKey(name))
        {
            _pods.Add(name);
            _links[name] = new StringBuilder();
        }

        return this;
    }

    public TopologyYaml Link(string a, string aIntf, string b, string bIntf, string? aIp = null, string? bIp = null, int? mtu = null, int? uid = null)
    {
        var id = uid ?? _nextUid++;
        Pod(a).Pod(b);
        End(a, id, b, aIntf, bIntf, aIp, bIp, mtu);
        End(b, id, a, bIntf, aIntf, bIp, aIp, mtu);
        return this;
    }

    public TopologyYaml Macvlan(string pod, string intf, string hostIntf, string? ip = null)
    {
        Pod(pod);
        End(pod, _nextUid++, "localhost", intf, hostIntf, ip, null, null);
        return this;
    }

    private void End(string pod, int uid, string peer, string li, string pi, string? lip, string? pip, int? mtu)
    {
        var sb = _links[pod];
        sb.Append($"  - uid: {uid}\n    peer_pod: {peer}\n    local_intf: {li}\n    peer_intf: {pi}\n");
        if (lip is not null) sb.Append($"    local_ip: {lip}\n");
        if (pip is not null) sb.Append($"    peer_ip: {pip}\n");
        if (mtu is not null) sb.Append($"    mtu: {mtu}\n");
    }

    public override string ToString() => string.Concat(_pods.Select(p =>
        $"---\napiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata:\n  name: {p}\nspec:\n  links:\n{(_links[p].Length == 0 ? "  []\n" : _links[p].ToString())}"));
}
