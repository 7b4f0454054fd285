using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Meshnet.Ctl.Lab.Graph;

/// <summary>Writes a <see cref="LabGraph"/> as Mermaid, Graphviz dot, or one self-contained HTML page.</summary>
internal static class GraphRenderers
{
    public static string Mermaid(LabGraph g)
    {
        var ids = g.Pods.Select((p, i) => (p.Name, Id: $"p{i.ToString(CultureInfo.InvariantCulture)}")).ToDictionary(x => x.Name, x => x.Id, StringComparer.Ordinal);
        var sb = new StringBuilder("graph LR\n");
        var n = 0;
        foreach (var node in g.Pods.GroupBy(p => p.Node))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  subgraph n{n++}[\"{MermaidText(node.Key)}\"]\n");
            foreach (var pod in node)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {ids[pod.Name]}[\"{MermaidText(pod.Name)}\"]\n");
            }

            sb.Append("  end\n");
        }

        foreach (var l in g.Links)
        {
            var arrow = l.State == "up" ? "---" : "-.-";
            sb.Append(CultureInfo.InvariantCulture, $"  {ids[l.A.Pod]} {arrow}|\"{MermaidText(EdgeLabel(l))}\"| {ids[l.B.Pod]}\n");
        }

        for (var i = 0; i < g.Links.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  linkStyle {i} stroke:{g.Links[i].Color},stroke-width:2px\n");
        }

        return sb.ToString();
    }

    public static string Dot(LabGraph g)
    {
        var sb = new StringBuilder($"graph {DotText(g.Lab)} {{\n  node [shape=box, style=rounded];\n");
        var n = 0;
        foreach (var node in g.Pods.GroupBy(p => p.Node))
        {
            sb.Append(CultureInfo.InvariantCulture, $"  subgraph cluster_{n++} {{\n    label={DotText(node.Key)};\n");
            foreach (var pod in node)
            {
                sb.Append(CultureInfo.InvariantCulture, $"    {DotText(pod.Name)};\n");
            }

            sb.Append("  }\n");
        }

        foreach (var l in g.Links)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"  {DotText(l.A.Pod)} -- {DotText(l.B.Pod)} [taillabel={DotText(l.A.Label)}, headlabel={DotText(l.B.Label)}, label={DotText($"uid {l.Uid} {l.Transport} {l.State}")}, color=\"{l.Color}\"{(l.State == "up" ? "" : ", style=dashed")}];\n");
        }

        return sb.Append("}\n").ToString();
    }

    /// <summary>
    /// One file with no external resources: the graph as JSON and a small script that lays it out as SVG in the
    /// browser (pods on a circle, grouped and coloured by node; links coloured by state, labelled at each end).
    /// </summary>
    public static string Html(LabGraph g)
    {
        var data = JsonSerializer.Serialize(g, GraphJsonContext.Default.LabGraph).Replace("</", "<\\/", StringComparison.Ordinal);
        return HtmlTemplate.Replace("{{TITLE}}", WebUtility.HtmlEncode($"lab {g.Lab}"), StringComparison.Ordinal)
            .Replace("{{DATA}}", data, StringComparison.Ordinal);
    }

    private static string EdgeLabel(GraphLink l) => $"{l.A.Label} — {l.B.Label} ({l.Transport}, {l.State})";

    private static string MermaidText(string s) => s.Replace("\"", "#quot;", StringComparison.Ordinal);

    private static string DotText(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private const string HtmlTemplate = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>{{TITLE}}</title>
        <style>
          body { font: 13px system-ui, sans-serif; margin: 16px; color: #222; }
          h1 { font-size: 16px; margin: 0 0 8px; }
          .pod rect { stroke: #333; stroke-width: 1.2; rx: 6; }
          .pod text { font-weight: 600; text-anchor: middle; dominant-baseline: middle; }
          .end { font-size: 11px; fill: #333; text-anchor: middle; }
          .legend { font-size: 12px; }
          path.link { stroke-width: 2.5; }
          path.link.down { stroke-dasharray: 6 4; }
        </style>
        </head>
        <body>
        <h1>{{TITLE}}</h1>
        <svg id="graph" xmlns="http://www.w3.org/2000/svg" width="960" height="720"></svg>
        <script id="data" type="application/json">{{DATA}}</script>
        <script>
        (function () {
          const g = JSON.parse(document.getElementById('data').textContent);
          const svg = document.getElementById('graph');
          const NS = 'http://www.w3.org/2000/svg';
          const W = 960, H = 720, cx = W / 2, cy = H / 2 + 20, r = Math.min(W, H) / 2 - 110;
          const palette = ['#e3f2fd', '#fff3e0', '#e8f5e9', '#f3e5f5', '#fffde7', '#e0f7fa', '#fce4ec', '#ede7f6'];
          const nodes = [...new Set(g.pods.map(p => p.node))];
          const pods = [...g.pods].sort((a, b) => nodes.indexOf(a.node) - nodes.indexOf(b.node) || a.name.localeCompare(b.name));
          const at = {};
          pods.forEach((p, i) => {
            const t = 2 * Math.PI * i / Math.max(1, pods.length) - Math.PI / 2;
            at[p.name] = { x: cx + r * Math.cos(t), y: cy + r * Math.sin(t), node: p.node };
          });
          const el = (name, attrs, text) => {
            const e = document.createElementNS(NS, name);
            for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
            if (text !== undefined) e.textContent = text;
            svg.appendChild(e);
            return e;
          };
          // Parallel links between the same two pods bend apart so each stays visible and readable.
          const pairs = {};
          g.links.forEach(l => { const k = [l.a.pod, l.b.pod].sort().join('\u0000'); (pairs[k] = pairs[k] || []).push(l); });
          g.links.forEach(l => {
            const [first, second] = [l.a.pod, l.b.pod].sort();
            const group = pairs[first + '\u0000' + second];
            const off = (group.indexOf(l) - (group.length - 1) / 2) * 70;
            const p0 = at[first], p1 = at[second];
            const dx = p1.x - p0.x, dy = p1.y - p0.y, len = Math.hypot(dx, dy) || 1;
            const c = { x: (p0.x + p1.x) / 2 - dy / len * off, y: (p0.y + p1.y) / 2 + dx / len * off };
            const path = el('path', { d: `M${p0.x},${p0.y} Q${c.x},${c.y} ${p1.x},${p1.y}`, fill: 'none', stroke: l.color,
              class: 'link' + (l.state === 'up' ? '' : ' down'), 'data-uid': l.uid, 'data-state': l.state });
            path.appendChild(document.createElementNS(NS, 'title')).textContent =
              `uid ${l.uid}: ${l.a.pod} ${l.a.label} — ${l.b.pod} ${l.b.label} (${l.transport}, ${l.state})`;
            const along = t => ({ x: (1 - t) * (1 - t) * p0.x + 2 * (1 - t) * t * c.x + t * t * p1.x, y: (1 - t) * (1 - t) * p0.y + 2 * (1 - t) * t * c.y + t * t * p1.y });
            const label = (t, text) => { const q = along(t); el('text', { x: q.x, y: q.y - 4, class: 'end' }, text); };
            label(l.a.pod === first ? 0.25 : 0.75, l.a.label);
            label(l.a.pod === first ? 0.75 : 0.25, l.b.label);
          });
          pods.forEach(p => {
            const c = at[p.name];
            const w = Math.max(60, p.name.length * 9 + 20);
            const grp = document.createElementNS(NS, 'g');
            grp.setAttribute('class', 'pod');
            grp.setAttribute('data-pod', p.name);
            const rect = document.createElementNS(NS, 'rect');
            Object.entries({ x: c.x - w / 2, y: c.y - 16, width: w, height: 32, fill: palette[nodes.indexOf(p.node) % palette.length] })
              .forEach(([k, v]) => rect.setAttribute(k, v));
            const text = document.createElementNS(NS, 'text');
            text.setAttribute('x', c.x); text.setAttribute('y', c.y); text.textContent = p.name;
            grp.appendChild(rect); grp.appendChild(text); svg.appendChild(grp);
          });
          nodes.forEach((n, i) => {
            el('rect', { x: 12, y: 12 + i * 20, width: 14, height: 14, fill: palette[i % palette.length], stroke: '#333' });
            el('text', { x: 32, y: 24 + i * 20, class: 'legend' }, n);
          });
          [['up', '#2e7d32'], ['down / missing / failed', '#c62828'], ['pending', '#9e9e9e']].forEach(([s, c], i) => {
            el('line', { x1: W - 190, y1: 19 + i * 20, x2: W - 160, y2: 19 + i * 20, stroke: c, 'stroke-width': 3 });
            el('text', { x: W - 152, y: 24 + i * 20, class: 'legend' }, s);
          });
          document.body.setAttribute('data-rendered', `${pods.length} pods, ${g.links.length} links`);
        })();
        </script>
        </body>
        </html>
        """;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(LabGraph))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class GraphJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
