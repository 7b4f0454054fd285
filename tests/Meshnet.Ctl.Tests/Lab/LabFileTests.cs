using Meshnet.Ctl.Lab;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>Lab files as <c>kubectl apply -f</c> takes them: what a lab makes of each kind.</summary>
public sealed class LabFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-labfile-").FullName;

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Theory]
    [InlineData("2node.yml", new[] { "r1", "r2" }, 1)]
    [InlineData("3node.yml", new[] { "r1", "r2", "r3" }, 3)]
    [InlineData("5node.yml", new[] { "r1", "r2", "r3", "r4", "r5" }, 6)]
    [InlineData("3node-mlink.yml", new[] { "r1", "r2", "r3" }, 5)]
    [InlineData("2node-sts.yml", new[] { "sts-0", "sts-1" }, 1)]
    [InlineData("macvlan.yml", new[] { "r1", "r2" }, 2)]
    public void Read_MeshnetCniFile_DeclaresItsPodsWithContainersAndLinks(string file, string[] pods, int links)
    {
        var lab = LabFile.Read(MeshnetCniFiles.PathOf(file), "lab");

        Assert.Equal(pods, lab.Topologies.Select(t => t.Name).Order());
        Assert.Equal(pods, lab.Pods.Keys.Order());
        Assert.All(lab.Topologies, t => Assert.Equal("lab", t.Namespace));
        Assert.Equal(links, lab.Topologies.SelectMany(t => t.Spec.Links).Select(l => l.Uid).Distinct().Count());
    }

    [Fact]
    public void Read_StatefulSetFileWithService_SkipsTheServiceWithOneLine()
    {
        var lab = LabFile.Read(MeshnetCniFiles.PathOf("2node-sts.yml"), "lab");

        Assert.Equal(["lab lab: skipping Service/sts (document 3): a lab has no use for a Service"], lab.SkippedLines("lab"));
    }

    [Fact]
    public void Read_PodWithoutTopology_IsALabPodWithoutLinks()
    {
        var lab = LabFile.Read(Write("apiVersion: v1\nkind: Pod\nmetadata: {name: lone, labels: {meshnet.networkop.co.uk/node: n2}}\nspec:\n  containers: [{name: c, image: i}]\n"), "lab");

        var topo = Assert.Single(lab.Topologies);
        Assert.Equal(("lone", 0, "n2"), (topo.Name, topo.Spec.Links.Count, topo.Labels["meshnet.networkop.co.uk/node"]));
    }

    [Fact]
    public void Read_TopologyInItsOwnNamespace_IsPlacedInTheLab()
    {
        var lab = LabFile.Read(Write("apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: {name: a, namespace: kne-topo}\nspec: {links: []}\n"), "lab");

        Assert.Equal("lab", Assert.Single(lab.Topologies).Namespace);
    }

    [Fact]
    public void Read_TwoNamespaces_IsRefused()
    {
        var yaml = "apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: {name: a, namespace: one}\n---\n"
                   + "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: two}\nspec: {containers: [{name: c, image: i}]}\n";

        var e = Assert.Throws<LabFileException>(() => LabFile.Read(Write(yaml), "lab"));

        Assert.Contains("span namespaces one, two", e.Message);
    }

    [Fact]
    public void Read_ProblemsInLinksAndContainers_ListsEveryOneByObjectAndField()
    {
        var yaml = "apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: {name: a}\nspec:\n  links:\n"
                   + "  - {uid: 1, peer_pod: b, local_intf: this-name-is-far-too-long, peer_intf: eth1}\n---\n"
                   + "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: i}, {name: c, image: i}]}\n";

        var e = Assert.Throws<LabFileException>(() => LabFile.Read(Write(yaml), "lab"));

        Assert.Contains("lab/a: spec.links[0].local_intf", e.Message);
        Assert.Contains("lab/a: spec.containers[1].name", e.Message);
    }

    [Fact]
    public void Read_OnlyOtherKinds_IsRefused()
    {
        var e = Assert.Throws<LabFileException>(() => LabFile.Read(Write("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), "lab"));

        Assert.Contains("no Topology, Pod, StatefulSet or Deployment", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
