using YamlDotNet.RepresentationModel;
using static Meshnet.Store.Kubernetes.Tests.Deploy.Kustomize;

namespace Meshnet.Store.Kubernetes.Tests.Deploy;

/// <summary>The kustomize base and overlay render, and what they render is what meshnet and KNE rely on.</summary>
public sealed class KustomizeTests
{
    private static void SkipWithoutKubectl() =>
        Skip.IfNot(File.Exists(Kubectl), $"{Kubectl} is missing (apt-get install -y kubernetes-client)");

    private static Dictionary<string, YamlNode> Env(YamlMappingNode daemonSet) =>
        ((YamlSequenceNode)At(daemonSet, "spec", "template", "spec", "containers", 0, "env")!).Children
            .Cast<YamlMappingNode>().ToDictionary(e => Str(e, "name")!, e => (YamlNode)e);

    [SkippableFact]
    public void Base_DaemonSet_RunsTheDaemonWithNodeEnvironment()
    {
        SkipWithoutKubectl();
        var ds = Single(Render("base"), "DaemonSet", "meshnet");

        Assert.Equal("meshnet", Str(ds, "metadata", "namespace"));
        var env = Env(ds);
        Assert.Equal("status.hostIP", Str(env["HOST_IP"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("spec.nodeName", Str(env["NODE_NAME"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal("VXLAN", Str(env["INTER_NODE_LINK_TYPE"], "value"));
        Assert.Equal("51111", Str(env["GRPC_PORT"], "value"));
        var command = ((YamlSequenceNode)At(ds, "spec", "template", "spec", "containers", 0, "command")!).Children.Select(c => ((YamlScalarNode)c).Value);
        Assert.Equal(["meshnetd", "--store", "kubernetes", "--health-port", "51112"], command);
    }

    [SkippableFact]
    public void Base_DaemonSet_IsPrivilegedOnHostNetworkAndPid()
    {
        SkipWithoutKubectl();
        var pod = At(Single(Render("base"), "DaemonSet", "meshnet"), "spec", "template", "spec")!;

        Assert.Equal(("true", "true", "true"), (Str(pod, "hostNetwork"), Str(pod, "hostPID"), Str(pod, "containers", 0, "securityContext", "privileged")));
        Assert.Equal("meshnet", Str(pod, "serviceAccountName"));
        Assert.Equal("Exists", Str(pod, "tolerations", 0, "operator"));
    }

    [SkippableFact]
    public void Base_DaemonSet_MountsHostPathsWithBidirectionalNetns()
    {
        SkipWithoutKubectl();
        var pod = At(Single(Render("base"), "DaemonSet", "meshnet"), "spec", "template", "spec")!;
        var mounts = ((YamlSequenceNode)At(pod, "containers", 0, "volumeMounts")!).Children.ToDictionary(m => Str(m, "mountPath")!);
        var hostPaths = ((YamlSequenceNode)At(pod, "volumes")!).Children.Select(v => Str(v, "hostPath", "path")).ToHashSet();

        Assert.Equal(["/etc/cni/net.d", "/opt/cni/bin", "/run/meshnet", "/var/run/netns"], mounts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("Bidirectional", Str(mounts["/var/run/netns"], "mountPropagation"));
        Assert.Superset(new HashSet<string?> { "/opt/cni/bin", "/etc/cni/net.d", "/var/run/netns", "/run/meshnet" }, hostPaths);
    }

    [SkippableFact]
    public void Base_DaemonSet_ProbesTheHealthPort()
    {
        SkipWithoutKubectl();
        var container = At(Single(Render("base"), "DaemonSet", "meshnet"), "spec", "template", "spec", "containers", 0)!;

        Assert.Equal(("/readyz", "51112"), (Str(container, "readinessProbe", "httpGet", "path"), Str(container, "readinessProbe", "httpGet", "port")));
        Assert.Equal(("/healthz", "51112"), (Str(container, "livenessProbe", "httpGet", "path"), Str(container, "livenessProbe", "httpGet", "port")));
        Assert.NotNull(Str(container, "resources", "requests", "cpu"));
    }

    [SkippableFact]
    public void Base_TopologyCrd_HasStatusSubresourceShortNameAndColumns()
    {
        SkipWithoutKubectl();
        var crd = Single(Render("base"), "CustomResourceDefinition", "topologies.networkop.co.uk");
        var version = At(crd, "spec", "versions", 0)!;

        Assert.Equal(("Namespaced", "v1beta1", "topo"), (Str(crd, "spec", "scope"), Str(version, "name"), Str(crd, "spec", "names", "shortNames", 0)));
        Assert.IsType<YamlMappingNode>(At(version, "subresources", "status"));
        var columns = ((YamlSequenceNode)At(version, "additionalPrinterColumns")!).Children.Select(c => Str(c, "jsonPath")).ToList();
        Assert.Contains(".status.node_name", columns);
        Assert.Contains(".status.src_ip", columns);
        Assert.Contains(".status.plumbing_error", columns);
    }

    [SkippableFact]
    public void Base_GWireKObjCrd_HasStatusSubresource()
    {
        SkipWithoutKubectl();
        var crd = Single(Render("base"), "CustomResourceDefinition", "gwirekobjs.networkop.co.uk");

        Assert.Equal("GWireKObj", Str(crd, "spec", "names", "kind"));
        Assert.IsType<YamlMappingNode>(At(crd, "spec", "versions", 0, "subresources", "status"));
    }

    [SkippableFact]
    public void Base_ClusterRole_WritesOnlyStatusEventsAndOwnResources()
    {
        SkipWithoutKubectl();
        var objects = Render("base");
        var rules = ((YamlSequenceNode)At(Single(objects, "ClusterRole", "meshnet"), "rules")!).Children;
        var resources = rules.SelectMany(r => ((YamlSequenceNode)At(r, "resources")!).Children.Select(x => ((YamlScalarNode)x).Value)).ToHashSet();

        Assert.Superset(new HashSet<string?> { "topologies", "topologies/status", "gwirekobjs", "gwirekobjs/status", "events", "pods", "nodes" }, resources);
        Assert.DoesNotContain("secrets", resources);
        Assert.Equal("meshnet", Str(Single(objects, "Role", "meshnet-secrets"), "metadata", "namespace"));
        Assert.Equal("meshnet", Str(Single(objects, "ServiceAccount", "meshnet"), "metadata", "namespace"));
    }

    [SkippableFact]
    public void GrpcOverlay_DaemonSet_UsesGrpcAndKeepsTheRestOfTheEnvironment()
    {
        SkipWithoutKubectl();
        var env = Env(Single(Render("overlays/grpc"), "DaemonSet", "meshnet"));

        Assert.Equal("GRPC", Str(env["INTER_NODE_LINK_TYPE"], "value"));
        Assert.Equal("status.hostIP", Str(env["HOST_IP"], "valueFrom", "fieldRef", "fieldPath"));
        Assert.Equal(4, env.Count);
    }
}
