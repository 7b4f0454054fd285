using System.Text.RegularExpressions;
using Meshnet.Ctl.Lab.Graph;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary><c>lab graph</c>: Mermaid and dot text, and an HTML page that a real browser renders.</summary>
public sealed class LabGraphTests : IDisposable
{
    private static readonly LabGraph TwoNodes = new("demo",
        [new("r1", "demo-n1"), new("r2", "demo-n1"), new("r3", "demo-n2")],
        [
            new(1, new("r1", "eth1", "10.0.12.1/24"), new("r2", "eth1", "10.0.12.2/24"), "veth", "up"),
            new(2, new("r2", "eth2", null), new("r3", "eth1", null), "vxlan", "down"),
        ]);

    private readonly LabCli _lab = new();

    [Fact]
    public void Mermaid_TwoNodes_GroupsPodsAndLabelsLinksWithInterfacesAndAddresses()
    {
        var text = GraphRenderers.Mermaid(TwoNodes);

        Assert.Contains("subgraph n0[\"demo-n1\"]\n    p0[\"r1\"]\n    p1[\"r2\"]\n  end", text);
        Assert.Contains("subgraph n1[\"demo-n2\"]\n    p2[\"r3\"]\n  end", text);
        Assert.Contains("p0 ---|\"eth1 10.0.12.1/24 — eth1 10.0.12.2/24 (veth, up)\"| p1", text);
        Assert.Contains("p1 -.-|\"eth2 — eth1 (vxlan, down)\"| p2", text);
        Assert.Contains("linkStyle 1 stroke:#c62828", text);
    }

    [Fact]
    public void Dot_LinkNotUp_IsRedAndDashed()
    {
        var text = GraphRenderers.Dot(TwoNodes);

        Assert.Contains("subgraph cluster_1 {\n    label=\"demo-n2\";\n    \"r3\";", text);
        Assert.Contains("\"r2\" -- \"r3\" [taillabel=\"eth2\", headlabel=\"eth1\", label=\"uid 2 vxlan down\", color=\"#c62828\", style=dashed];", text);
        Assert.Contains("\"r1\" -- \"r2\" [taillabel=\"eth1 10.0.12.1/24\", headlabel=\"eth1 10.0.12.2/24\", label=\"uid 1 veth up\", color=\"#2e7d32\"];", text);
    }

    [Fact]
    public void Html_PodNameWithScriptEnd_CannotBreakOutOfTheDataBlock()
    {
        var html = GraphRenderers.Html(new LabGraph("x", [new("</script><b>", "n")], []));

        Assert.DoesNotContain("</script><b>", html);
    }

    [SkippableFact]
    public void LabGraph_OneEndDown_ShowsTheLinkAsNotUp()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();
        Cmd.Run("ip", "-n", _lab.Ns("r2"), "link", "set", "eth1", "down").EnsureSuccess();

        var text = _lab.Run("lab", "graph", _lab.Name).EnsureSuccess().Stdout;

        Assert.Contains("p0 -.-|\"eth1 12.12.12.1/24 — eth1 12.12.12.2/24 (veth, no-carrier)\"| p1", text);
    }

    [SkippableFact]
    public void LabGraph_Html_RendersEveryPodAndLinkInChromium()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(File.Exists("/usr/bin/chromium"), "needs Debian's chromium (./test.sh installs it)");
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("5node.yml"), "--name", _lab.Name).EnsureSuccess();
        var page = _lab.Write("") + ".html";
        _lab.Run("lab", "graph", _lab.Name, "--format", "html", "-o", page).EnsureSuccess();
        var profile = Directory.CreateTempSubdirectory("meshnet-chromium-").FullName;
        try
        {
            // The page lays the graph out with its own script: the DOM after it ran is what a person sees.
            var dom = Cmd.Run("/usr/bin/chromium",
                ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", "--dump-dom", new Uri(page).AbsoluteUri],
                stdin: null, env: null, TimeSpan.FromMinutes(2)).EnsureSuccess().Stdout;

            Assert.Contains("data-rendered=\"5 pods, 6 links\"", dom);
            Assert.Equal(["r1", "r2", "r3", "r4", "r5"], Regex.Matches(dom, "<g class=\"pod\" data-pod=\"([^\"]+)\"").Select(m => m.Groups[1].Value).Order());
            Assert.Equal(["1", "2", "3", "4", "5", "6"], Regex.Matches(dom, "<path [^>]*data-uid=\"(\\d+)\" data-state=\"up\"").Select(m => m.Groups[1].Value).Order());
            Assert.Contains(">eth1 12.12.12.1/24</text>", dom);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    public void Dispose() => _lab.Dispose();
}
