namespace Meshnet.Model.Tests.Yaml;

public class ManifestParserTests
{
    private const string Topo = """
        apiVersion: networkop.co.uk/v1beta1
        kind: Topology
        metadata: {name: r1}
        spec:
          links:
          - {uid: 1, peer_pod: r2, local_intf: eth1, peer_intf: eth1}
        """;

    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: r1
          labels: {app: router}
        spec:
          nodeSelector: {kubernetes.io/hostname: node-1}
          initContainers:
          - name: wait
            image: init-wait:1
          containers:
          - name: host
            image: busybox:1.36
            command: ["/bin/sh", "-c"]
            args: ["sleep 100"]
            env:
            - {name: A, value: "1"}
            - {name: B}
            workingDir: /tmp
            imagePullPolicy: Never
            ports: [{containerPort: 22}]
            securityContext:
              privileged: true
              capabilities: {add: [NET_ADMIN], drop: [MKNOD]}
        """;

    private static Manifest Parse(string yaml) => ManifestParser.ParseYaml(yaml, "lab", "lab.yaml");

    private static TopologyParseException ParseFails(string yaml) =>
        Assert.Throws<TopologyParseException>(() => Parse(yaml));

    [Fact]
    public void ParseYaml_ListOfTopologyAndPod_ReadsBoth()
    {
        var yaml = "apiVersion: v1\nkind: List\nitems:\n" + Indent(Topo) + Indent(Pod);

        var m = Parse(yaml);

        Assert.Equal("r1", Assert.Single(m.Topologies).Name);
        Assert.Equal("r1", Assert.Single(m.Pods).Name);
    }

    [Fact]
    public void ParseYaml_Pod_ReadsEveryContainerField()
    {
        var pod = Assert.Single(Parse(Pod).Pods);
        var c = Assert.Single(pod.Containers);

        Assert.Equal(("lab", "router", "wait"), (pod.Namespace, pod.Labels["app"], Assert.Single(pod.InitContainers).Name));
        Assert.Equal(["/bin/sh", "-c"], c.Command);
        Assert.Equal(["sleep 100"], c.Args);
        Assert.Equal([new("A", "1"), new("B", "")], c.Env);
        Assert.Equal(("/tmp", true, "Never"), (c.WorkingDir, c.Privileged, c.EffectivePullPolicy));
        Assert.Equal(["NET_ADMIN"], c.CapabilitiesAdd);
        Assert.Equal(["MKNOD"], c.CapabilitiesDrop);
    }

    [Fact]
    public void ParseYaml_ContainerWithoutCommand_KeepsTheImagesEntrypoint()
    {
        var c = Assert.Single(Assert.Single(Parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: i}]\n").Pods).Containers);

        Assert.Null(c.Command);
        Assert.Null(c.Args);
    }

    [Fact]
    public void ParseYaml_StatefulSet_NamesPodsByOrdinal()
    {
        var pods = Parse(Workload("StatefulSet", 3)).Pods;

        Assert.Equal(["sts-0", "sts-1", "sts-2"], pods.Select(p => p.Name));
        Assert.All(pods, p => Assert.Equal(("StatefulSet sts", "sts"), (p.Source, p.Labels["app"])));
    }

    [Fact]
    public void ParseYaml_Deployment_NamesPodsWithHashAndSuffixStableAcrossRuns()
    {
        var first = Parse(Workload("Deployment", 2)).Pods.Select(p => p.Name).ToList();

        Assert.Equal(first, Parse(Workload("Deployment", 2)).Pods.Select(p => p.Name));
        Assert.Equal(2, first.Distinct().Count());
        Assert.All(first, n => Assert.Matches("^sts-[bcdfghjklmnpqrstvwxz2456789]{10}-[bcdfghjklmnpqrstvwxz2456789]{5}$", n));
    }

    [Fact]
    public void ParseYaml_ZeroReplicas_DeclaresNoPods()
    {
        Assert.Empty(Parse(Workload("StatefulSet", 0)).Pods);
    }

    [Fact]
    public void ParseYaml_OtherKinds_AreSkippedByKindAndName()
    {
        var m = Parse("apiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n");

        Assert.Equal(["Service/web", "ConfigMap/cfg"], m.Skipped.Select(s => s.ToString()));
        Assert.Equal([1, 2], m.Skipped.Select(s => s.Document));
    }

    [Fact]
    public void ParseYaml_Namespace_IsRecorded()
    {
        Assert.Equal(["mlink"], Parse("apiVersion: v1\nkind: Namespace\nmetadata: {name: mlink}\n").Namespaces);
    }

    [Fact]
    public void ParseYaml_EnvValueFrom_FailsNamingTheField()
    {
        var e = ParseFails(Pod.Replace("- {name: B}", "- {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}", StringComparison.Ordinal));

        Assert.Contains("spec.containers[0].env[1].valueFrom", e.Message);
    }

    [Fact]
    public void ParseYaml_PodWithoutContainers_Fails()
    {
        Assert.Contains("spec.containers: at least one container", ParseFails("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n").Message);
    }

    [Fact]
    public void ParseYaml_UnknownPullPolicy_FailsNamingTheField()
    {
        Assert.Contains("imagePullPolicy: \"Sometimes\"", ParseFails(Pod.Replace("Never", "Sometimes", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public void ParseYaml_PrivilegedNotABoolean_Fails()
    {
        Assert.Contains("securityContext.privileged", ParseFails(Pod.Replace("privileged: true", "privileged: yes-please", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public void ParseYaml_PodWithWrongApiVersion_Fails()
    {
        Assert.Contains("apiVersion: \"apps/v1\" is not v1", ParseFails(Pod.Replace("apiVersion: v1", "apiVersion: apps/v1", StringComparison.Ordinal)).Message);
    }

    [Fact]
    public void TopologyParser_Pod_IsStillRefused()
    {
        Assert.Throws<TopologyParseException>(() => TopologyParser.ParseYaml(Pod, "lab"));
    }

    [Theory]
    [InlineData("busybox", "Always")]
    [InlineData("busybox:latest", "Always")]
    [InlineData("registry:5000/busybox", "Always")]
    [InlineData("busybox:1.36", "IfNotPresent")]
    [InlineData("registry:5000/busybox:1", "IfNotPresent")]
    [InlineData("busybox@sha256:abcd", "IfNotPresent")]
    public void EffectivePullPolicy_NoPolicy_FollowsKubernetesDefault(string image, string policy)
    {
        Assert.Equal(policy, new ContainerDeclaration { Name = "c", Image = image }.EffectivePullPolicy);
    }

    [Fact]
    public void WorkloadRules_DuplicatesAndBadNames_ReportEachByPodAndField()
    {
        var c = new ContainerDeclaration { Name = "c", Image = "i" };
        var pods = new[]
        {
            new PodDeclaration { Namespace = "lab", Name = "p", Source = "Pod p", Containers = [c, c with { Name = "Bad_Name" }] },
            new PodDeclaration { Namespace = "lab", Name = "p", Source = "StatefulSet x", Containers = [c, c, c with { CapabilitiesAdd = ["net admin"] }] },
        };

        var errors = WorkloadRules.Validate(pods).Errors.Select(e => e.ToString()).ToList();

        Assert.Contains(errors, e => e.StartsWith("lab/p: spec.containers[1].name: \"Bad_Name\"", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("lab/p: metadata.name: StatefulSet x declares a pod that Pod p declares too", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("lab/p: spec.containers[1].name: \"c\" names another container", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("lab/p: spec.containers[2].securityContext.capabilities.add", StringComparison.Ordinal));
    }

    private static string Workload(string kind, int replicas) =>
        "apiVersion: apps/v1\n" + $"kind: {kind}\n" + "metadata: {name: sts}\nspec:\n" + $"  replicas: {replicas}\n"
        + "  selector: {matchLabels: {app: sts}}\n  template:\n    metadata: {labels: {app: sts}}\n    spec:\n"
        + "      containers: [{name: c, image: \"i:1\"}]\n";

    private static string Indent(string doc) =>
        string.Join("\n", doc.Split('\n').Select((l, i) => (i == 0 ? "- " : "  ") + l)) + "\n";
}
