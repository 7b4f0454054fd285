using Meshnet.Model;

namespace Meshnet.Bench.Kubernetes;

/// <summary>
/// The benchmark's lab: <c>pods</c> Topologies in one namespace, pod i linked to pods i+1 … i+degree (mod pods), so
/// there are pods × degree links and every pod has 2 × degree of them (outgoing on eth1…ethD, incoming on
/// eth(D+1)…eth(2D)). uids run 0 … links−1, IPs are empty: KNE's shape, and the kernel work stays small next to the
/// API traffic this measures.
/// </summary>
internal sealed class BenchTopology(int pods, int degree, string @namespace)
{
    public int Pods => pods;

    public int Links => pods * degree;

    public int LinksPerPod => 2 * degree;

    public string Namespace => @namespace;

    public static string PodName(int i) => $"p{i:D3}";

    public IReadOnlyList<Topology> Build()
    {
        var links = Enumerable.Range(0, pods).Select(_ => new List<Link>()).ToArray();
        for (var i = 0; i < pods; i++)
        {
            for (var k = 1; k <= degree; k++)
            {
                var j = (i + k) % pods;
                var uid = i * degree + k - 1;
                var outgoing = $"eth{k}";
                var incoming = $"eth{degree + k}";
                links[i].Add(new Link { Uid = uid, PeerPod = PodName(j), LocalIntf = outgoing, PeerIntf = incoming, LocalIp = "", PeerIp = "" });
                links[j].Add(new Link { Uid = uid, PeerPod = PodName(i), LocalIntf = incoming, PeerIntf = outgoing, LocalIp = "", PeerIp = "" });
            }
        }

        return [.. Enumerable.Range(0, pods).Select(i => new Topology
        {
            Namespace = @namespace,
            Name = PodName(i),
            Spec = new TopologySpec { Links = links[i] },
        })];
    }
}
