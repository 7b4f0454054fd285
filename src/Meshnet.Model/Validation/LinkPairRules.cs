namespace Meshnet.Model;

/// <summary>
/// Rules across objects: the ends sharing a (namespace, uid) must be at most two and must mirror each other.
/// Each end's <c>peer_*</c> fields are checked against the other end's <c>local_*</c> fields and the error is
/// reported on the <c>peer_*</c> field, so every disagreement is named once, where it is.
/// </summary>
internal static class LinkPairRules
{
    private readonly record struct End(Topology Topology, Link Link, int Index)
    {
        public string Field(string name) => $"spec.links[{Index}].{name}";

        public string Where => $"{Topology.Key} spec.links[{Index}]";

        public LinkEnd Sort => LinkIdentity.Local(Topology, Link);
    }

    public static void Check(IReadOnlyDictionary<PodKey, Topology> topologies, List<ValidationError> errors)
    {
        var byUid = new SortedDictionary<(string Namespace, int Uid), List<End>>();
        foreach (var t in topologies.Values.OrderBy(t => t.Key))
        {
            for (var i = 0; i < t.Spec.Links.Count; i++)
            {
                var key = (t.Namespace, t.Spec.Links[i].Uid);
                if (!byUid.TryGetValue(key, out var ends))
                {
                    byUid[key] = ends = [];
                }

                ends.Add(new End(t, t.Spec.Links[i], i));
            }
        }

        foreach (var ((_, uid), ends) in byUid)
        {
            switch (ends.Count)
            {
                case 1:
                    CheckLoneEnd(ends[0], topologies, errors);
                    break;
                case 2:
                    ends.Sort((x, y) => x.Sort.CompareTo(y.Sort));
                    CheckPair(ends[0], ends[1], errors);
                    break;
                default:
                    var all = string.Join(", ", ends.Select(e => e.Where));
                    foreach (var end in ends)
                    {
                        Add(errors, end, "uid", $"{uid} is used by {ends.Count} link ends, a link has two: {all}");
                    }

                    break;
            }
        }
    }

    /// <summary>An end alone is pending, unless its peer is in the set and does not declare the link.</summary>
    private static void CheckLoneEnd(End end, IReadOnlyDictionary<PodKey, Topology> topologies, List<ValidationError> errors)
    {
        var link = end.Link;
        if (link.IsMacvlan)
        {
            return;
        }

        var peer = new PodKey(end.Topology.Namespace, link.PeerPod);
        if (peer == end.Topology.Key)
        {
            if (link.PeerIntf != link.LocalIntf)
            {
                Add(errors, end, "peer_intf", $"the other end of this link to its own pod (\"{link.PeerIntf}\" with uid {link.Uid}) is not declared");
            }
        }
        else if (topologies.ContainsKey(peer))
        {
            Add(errors, end, "uid", $"peer {peer} declares no link with uid {link.Uid}");
        }
    }

    private static void CheckPair(End a, End b, List<ValidationError> errors)
    {
        foreach (var end in new[] { a, b })
        {
            if (end.Link.IsMacvlan)
            {
                var other = end.Equals(a) ? b : a;
                Add(errors, end, "uid", $"{end.Link.Uid} is a macvlan link (peer_pod: localhost) but is also used by {other.Where}");
                return;
            }
        }

        CheckMirror(a, b, errors);
        CheckMirror(b, a, errors);
        if (a.Link.EffectiveMtu != b.Link.EffectiveMtu)
        {
            Add(errors, b, "mtu", $"{b.Link.EffectiveMtu} does not match the other end's mtu {a.Link.EffectiveMtu} ({a.Where})");
        }
    }

    /// <summary>What <paramref name="x"/> says about its peer must be what <paramref name="y"/> says about itself.</summary>
    private static void CheckMirror(End x, End y, List<ValidationError> errors)
    {
        if (x.Link.PeerPod != y.Topology.Name)
        {
            Add(errors, x, "peer_pod", Mismatch(x.Link.PeerPod, "pod", y.Topology.Name, y));
        }

        if (x.Link.PeerIntf != y.Link.LocalIntf)
        {
            Add(errors, x, "peer_intf", Mismatch(x.Link.PeerIntf, "local_intf", y.Link.LocalIntf, y));
        }

        if (!AddressRules.SameCidr(x.Link.PeerIp, y.Link.LocalIp))
        {
            Add(errors, x, "peer_ip", Mismatch(x.Link.PeerIp, "local_ip", y.Link.LocalIp, y));
        }

        if (!AddressRules.SameMac(x.Link.PeerMac, y.Link.LocalMac))
        {
            Add(errors, x, "peer_mac", Mismatch(x.Link.PeerMac, "local_mac", y.Link.LocalMac, y));
        }
    }

    private static string Mismatch(string? value, string otherField, string? otherValue, End other) =>
        $"\"{value}\" does not match the other end's {otherField} \"{otherValue}\" ({other.Where}, uid {other.Link.Uid})";

    private static void Add(List<ValidationError> errors, End end, string field, string message) =>
        errors.Add(new ValidationError(end.Topology.Key, end.Field(field), message));
}
