using System.Globalization;
using System.Text;

namespace Meshnet.RealNode.Tests;

/// <summary>One point-to-point link: both ends share the uid; the A end has .1, the B end .2 of a /30 of its own.</summary>
internal sealed record LabLink(int Uid, string A, string AIntf, string B, string BIntf)
{
    /// <summary>10.128.0.0/14 cut into /30s by uid: room for 65536 links, clear of the pod bridge's 10.244.0.0/24.</summary>
    public string Address(string pod)
    {
        var host = (Uid * 4) + (pod == A ? 1 : 2);
        return string.Create(CultureInfo.InvariantCulture, $"10.{128 + (host >> 16)}.{(host >> 8) & 255}.{host & 255}");
    }

    public string PeerOf(string pod) => pod == A ? B : A;
}

/// <summary>
/// The objects a test applies: Topologies (one per pod, as KNE writes them) and pods with real containers shaped like
/// KNE's: an init container that waits until the pod has links + 1 interfaces, then the main container.
/// </summary>
internal sealed class Lab(IReadOnlyList<string> pods, IReadOnlyList<LabLink> links)
{
    public IReadOnlyList<string> Pods { get; } = pods;

    public IReadOnlyList<LabLink> Links { get; } = links;

    public IEnumerable<LabLink> LinksOf(string pod) => Links.Where(l => l.A == pod || l.B == pod);

    /// <summary>The address of every peer end, what <paramref name="pod"/> must reach.</summary>
    public IReadOnlyList<string> PeerAddresses(string pod) => [.. LinksOf(pod).Select(l => l.Address(l.PeerOf(pod)))];

    /// <summary>Pods p00..pNN, pod i linked to each i + step (mod n) for the given steps, uids from 0, ethN numbered per pod.</summary>
    public static Lab Ring(int podCount, params int[] steps)
    {
        var pods = Enumerable.Range(0, podCount).Select(i => $"p{i:D2}").ToList();
        var next = pods.ToDictionary(p => p, _ => 1);
        var links = new List<LabLink>();
        foreach (var step in steps)
        {
            for (var i = 0; i < podCount; i++)
            {
                var (a, b) = (pods[i], pods[(i + step) % podCount]);
                links.Add(new LabLink(links.Count, a, $"eth{next[a]++}", b, $"eth{next[b]++}"));
            }
        }

        return new Lab(pods, links);
    }

    /// <summary>Two pods with <paramref name="count"/> parallel links between them (eth1..ethN on both).</summary>
    public static Lab Pair(int count, string a = "r1", string b = "r2") =>
        new([a, b], [.. Enumerable.Range(0, count).Select(i => new LabLink(i, a, $"eth{i + 1}", b, $"eth{i + 1}"))]);

    public string TopologyYaml(string pod)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata:\n  name: {pod}\nspec:\n  links:\n");
        foreach (var l in LinksOf(pod))
        {
            var (local, peer, localIntf, peerIntf) = pod == l.A ? (l.A, l.B, l.AIntf, l.BIntf) : (l.B, l.A, l.BIntf, l.AIntf);
            sb.Append(CultureInfo.InvariantCulture,
                $"  - {{uid: {l.Uid}, peer_pod: {peer}, local_intf: {localIntf}, peer_intf: {peerIntf}, local_ip: {l.Address(local)}/30, peer_ip: {l.Address(peer)}/30}}\n");
        }

        return sb.ToString();
    }

    public string TopologiesYaml() => string.Join("---\n", Pods.Select(TopologyYaml));

    public string PodsYaml() => string.Join("---\n", Pods.Select(p => Manifests.KnePod(p, LinksOf(p).Count())));
}

internal static class Manifests
{
    public const string MainContainer = "main";

    /// <summary>
    /// KNE's init-wait, in busybox: the main container starts only once the pod has <paramref name="interfaces"/>
    /// eth* interfaces (its links + eth0), so a router image never boots without its ports.
    /// </summary>
    public static string InitWait(int interfaces) =>
        $"until [ \"$(ls /sys/class/net | grep -c '^eth')\" -ge {interfaces} ]; do sleep 0.2; done";

    public static string PodSpec(int links, string indent) =>
        $"""
        {indent}terminationGracePeriodSeconds: 0
        {indent}initContainers:
        {indent}- name: init-wait
        {indent}  image: {Harness.Busybox}
        {indent}  imagePullPolicy: Never
        {indent}  command: [sh, -c, "{InitWait(links + 1).Replace("\"", "\\\"", StringComparison.Ordinal)}"]
        {indent}containers:
        {indent}- name: {MainContainer}
        {indent}  image: {Harness.Busybox}
        {indent}  imagePullPolicy: Never
        {indent}  command: [sleep, "86400"]

        """;

    public static string KnePod(string name, int links) =>
        $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n" + PodSpec(links, "  ");
}
