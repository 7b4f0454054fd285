namespace Meshnet.Model;

/// <summary>Rules that need only one object: names, addresses, MTU, MACs, duplicate interfaces.</summary>
internal static class ObjectRules
{
    public static void Check(Topology t, List<ValidationError> errors)
    {
        void Add(string field, string? problem)
        {
            if (problem is not null)
            {
                errors.Add(new ValidationError(t.Key, field, problem));
            }
        }

        Add("metadata.namespace", NameRules.CheckNamespace(t.Namespace));
        Add("metadata.name", NameRules.CheckPodName(t.Name));

        var firstUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < t.Spec.Links.Count; i++)
        {
            var link = t.Spec.Links[i];
            var at = $"spec.links[{i}].";
            Add(at + "uid", link.Uid < 0 ? $"{link.Uid} is negative" : null);
            Add(at + "peer_pod", link.IsMacvlan ? null : NameRules.CheckPodName(link.PeerPod));
            Add(at + "local_intf", NameRules.CheckInterfaceName(link.LocalIntf));
            Add(at + "peer_intf", NameRules.CheckInterfaceName(link.PeerIntf));
            Add(at + "local_ip", string.IsNullOrEmpty(link.LocalIp) ? null : AddressRules.CheckCidr(link.LocalIp));
            Add(at + "peer_ip", string.IsNullOrEmpty(link.PeerIp) ? null : AddressRules.CheckCidr(link.PeerIp));
            Add(at + "mtu", link.Mtu is { } mtu ? AddressRules.CheckMtu(mtu) : null);
            Add(at + "local_mac", string.IsNullOrEmpty(link.LocalMac) ? null : AddressRules.CheckMac(link.LocalMac));
            Add(at + "peer_mac", string.IsNullOrEmpty(link.PeerMac) ? null : AddressRules.CheckMac(link.PeerMac));

            if (!string.IsNullOrEmpty(link.LocalIntf) && !firstUse.TryAdd(link.LocalIntf, i))
            {
                Add(at + "local_intf", $"\"{link.LocalIntf}\" is already used by spec.links[{firstUse[link.LocalIntf]}]");
            }

            if (link.PeerPod == t.Name && link.PeerIntf == link.LocalIntf)
            {
                Add(at + "peer_intf", $"a link to its own pod must join two different interfaces, but both are \"{link.LocalIntf}\"");
            }
        }
    }
}
