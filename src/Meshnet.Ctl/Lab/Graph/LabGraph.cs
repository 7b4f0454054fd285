using Meshnet.Store;

namespace Meshnet.Ctl.Lab.Graph;

/// <summary>
/// A lab as people draw it: pods as nodes grouped by the (emulated) node they run on, one edge per link labelled with
/// both ends' interfaces and addresses, and the link's state as the kernel shows it now.
/// </summary>
internal sealed record LabGraph(string Lab, IReadOnlyList<GraphPod> Pods, IReadOnlyList<GraphLink> Links)
{
    public static async Task<LabGraph> BuildAsync(ITopologyStore store, string lab, CancellationToken ct)
    {
        var topologies = (await store.ListAsync(lab, ct)).Items.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        var ends = (await LabInspector.InspectAsync(store, lab, ct)).ToDictionary(e => (e.Pod, e.Interface));
        var pods = topologies.Select(t => new GraphPod(t.Name, t.Status.NodeName ?? "local")).ToList();
        var links = new List<GraphLink>();
        foreach (var t in topologies)
        {
            foreach (var l in t.Spec.Links)
            {
                var a = ends.GetValueOrDefault((t.Name, l.LocalIntf));
                if (l.IsMacvlan)
                {
                    links.Add(new(l.Uid, new(t.Name, l.LocalIntf, l.LocalIp), new("host", l.PeerIntf, null), a?.Transport ?? "macvlan", a?.State ?? "missing"));
                    continue;
                }

                // Each link once, from the end that sorts first; a link whose peer is absent is drawn to it as pending.
                var peerDeclared = topologies.Any(p => p.Name == l.PeerPod && p.Spec.Links.Any(x => x.Uid == l.Uid));
                if (peerDeclared && string.CompareOrdinal($"{t.Name}:{l.LocalIntf}", $"{l.PeerPod}:{l.PeerIntf}") > 0)
                {
                    continue;
                }

                var b = ends.GetValueOrDefault((l.PeerPod, l.PeerIntf));
                var state = !peerDeclared ? "pending" : a?.State == "up" && b?.State == "up" ? "up" : Worst(a?.State, b?.State);
                links.Add(new(l.Uid, new(t.Name, l.LocalIntf, l.LocalIp), new(l.PeerPod, l.PeerIntf, l.PeerIp), a?.Transport ?? "veth", state));
            }
        }

        // Peers named by links but not in the lab are drawn too, so a pending link has somewhere to go.
        foreach (var missing in links.Select(l => l.B.Pod).Where(p => p != "host" && pods.All(x => x.Name != p)).Distinct().ToList())
        {
            pods.Add(new GraphPod(missing, "(not in lab)"));
        }

        if (links.Any(l => l.B.Pod == "host"))
        {
            pods.Add(new GraphPod("host", "(node)"));
        }

        return new LabGraph(lab, pods, links.OrderBy(l => l.Uid).ToList());
    }

    private static string Worst(string? a, string? b) =>
        new[] { a ?? "missing", b ?? "missing" }.FirstOrDefault(s => s != "up") ?? "up";
}

internal sealed record GraphPod(string Name, string Node);

internal sealed record GraphEnd(string Pod, string Interface, string? Address)
{
    public string Label => string.IsNullOrEmpty(Address) ? Interface : $"{Interface} {Address}";
}

/// <summary>One link; <see cref="State"/> is up, down, no-carrier, missing, failed or pending.</summary>
internal sealed record GraphLink(int Uid, GraphEnd A, GraphEnd B, string Transport, string State)
{
    public string Color => State switch
    {
        "up" => "#2e7d32",
        "pending" => "#9e9e9e",
        _ => "#c62828",
    };
}
