using System.Globalization;
using System.Text;

namespace Meshnet.Bench.Kubernetes;

/// <summary>
/// One measured phase: its wall time and the API requests the server counted meanwhile (keys <c>VERB resource</c>).
/// <paramref name="ClientRequests"/> of them were made by the benchmark's own client (applying Topologies); the rest
/// are the daemon's, spread over <paramref name="PodEvents"/> pod events.
/// </summary>
internal sealed record Row(string Phase, TimeSpan Elapsed, TimeSpan? AddsAnswered, int PodEvents, IReadOnlyDictionary<string, int> Counts, int ClientRequests)
{
    public int Total => Counts.Values.Sum();

    public int DaemonRequests => Total - ClientRequests;

    public int Relists => Count("LIST topologies");

    private int Count(string key) => Counts.GetValueOrDefault(key);

    public static string Table(IReadOnlyList<Row> rows, BenchTopology lab)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{lab.Pods} Topologies, {lab.Links} links ({lab.LinksPerPod} per pod), one meshnetd, default client limits (50 QPS, burst 100)");
        sb.AppendLine();
        sb.AppendLine("| phase | wall time | ADD replies after | daemon requests | per pod event | GET topo | PATCH topo/status | LIST topo | WATCH topo | other |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var other = r.Counts.Where(kv => kv.Key is not ("GET topologies" or "PATCH topologies/status" or "LIST topologies" or "WATCH topologies"))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => $"{kv.Key} {kv.Value}");
            var perPod = r.PodEvents == 0 ? 0 : (double)r.DaemonRequests / r.PodEvents;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Phase} | {Seconds(r.Elapsed)} | {(r.AddsAnswered is { } a ? Seconds(a) : "")} | {r.DaemonRequests} | {perPod:0.0} | {r.Count("GET topologies")} | {r.Count("PATCH topologies/status")} | {r.Relists} | {r.Count("WATCH topologies")} | {string.Join(", ", other)} |");
        }

        return sb.ToString();
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.00 's'", CultureInfo.InvariantCulture);
}
