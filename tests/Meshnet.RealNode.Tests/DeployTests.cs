using System.Text.Json.Nodes;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Testing;

namespace Meshnet.RealNode.Tests;

/// <summary>
/// The install for real: deploy/kustomize/base applied to the real cluster with the image <c>./build.sh --image</c>
/// made (dist/meshnet-image.tar, imported into the node's containerd), through a kustomization of the test's own that
/// only says what differs on this node (see <see cref="Overlay"/>).
/// </summary>
[Collection(DeployCollection.Name)]
public sealed class DeployTests
{
    private static readonly Lazy<string?> Imported = new(ImportImage);

    /// <summary>Where this node's containerd mounts pods' network namespaces (elsewhere /var/run/netns).</summary>
    private static string NetnsDir => Path.Combine(Harness.Dir, "run", "containerd", "io.containerd.grpc.v1.cri", "netns");

    /// <summary>
    /// The base, plus: the image override to the local <c>meshnet:dev</c> (never pulled); the node's CNI directories
    /// (containerd here reads configs from DIR/cni/net.d and runs plugins from /usr/lib/cni, not /etc/cni/net.d and
    /// /opt/cni/bin) and its netns directory mounted at the same path; /var/run/netns by its real path /run/netns
    /// (containerd checks that a propagated mount's source is a shared mount without resolving the /var/run symlink,
    /// and / is not shared on a machine without systemd); and the API server's address, because this cluster has no
    /// kube-proxy to route the <c>kubernetes</c> Service's ClusterIP that the in-cluster config points at.
    /// </summary>
    private static string Overlay()
    {
        // kustomize takes a base only by a relative path
        var dir = Directory.CreateTempSubdirectory("meshnet-deploy-").FullName;
        var netnsDir = NetnsDir;
        var server = new Uri(File.ReadAllLines(Harness.Kubeconfig!).Select(l => l.Trim()).First(l => l.StartsWith("server:", StringComparison.Ordinal))[7..].Trim());
        File.WriteAllText(Path.Combine(dir, "kustomization.yaml"), $"""
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            resources:
              - {Path.GetRelativePath(dir, Path.Combine(Repo.Root, "deploy", "kustomize", "base"))}
            images:
              - name: meshnet
                newName: meshnet
                newTag: dev
            patches:
              - patch: |-
                  apiVersion: apps/v1
                  kind: DaemonSet
                  metadata:
                    name: meshnet
                    namespace: meshnet
                  spec:
                    template:
                      spec:
                        containers:
                          - name: meshnet
                            imagePullPolicy: Never
                            env:
                              - name: KUBERNETES_SERVICE_HOST
                                value: "{server.Host}"
                              - name: KUBERNETES_SERVICE_PORT
                                value: "{server.Port}"
                            volumeMounts:
                              - name: harness-netns
                                mountPath: {netnsDir}
                                mountPropagation: HostToContainer
                        volumes:
                          - name: netns
                            hostPath:
                              path: /run/netns
                          - name: cni-bin
                            hostPath:
                              path: {Harness.CniBinDir}
                          - name: cni-conf
                            hostPath:
                              path: {Harness.CniConfDir}
                          - name: harness-netns
                            hostPath:
                              path: {netnsDir}
                              type: Directory
            """);
        return dir;
    }

    private static string? ImportImage()
    {
        var tar = Path.Combine(Binaries.Dist, "meshnet-image.tar");
        if (!File.Exists(tar))
        {
            return $"{tar} is missing: build it with ./build.sh --image (./test.sh does when MESHNET_TEST_KUBECONFIG is set)";
        }

        var r = Cmd.Run("ctr", ["-a", Harness.ContainerdSocket, "-n", "k8s.io", "images", "import", tar], stdin: null, env: null, TimeSpan.FromMinutes(5));
        return r.ExitCode == 0 ? null : $"ctr images import {tar} failed: {r.Stderr}{r.Stdout}";
    }

    /// <summary>
    /// Makes the node's netns directory a shared mount (bound onto itself, as iproute2 does for /run/netns), so that
    /// the namespaces containerd mounts there after the daemon started propagate into its container; undone by
    /// <see cref="Uninstall"/>. On a systemd node / is shared and this is already so.
    /// </summary>
    private static void ShareNetnsDir()
    {
        Directory.CreateDirectory(NetnsDir);
        Cmd.Run("mount", "--rbind", NetnsDir, NetnsDir).EnsureSuccess();
        Cmd.Run("mount", "--make-rshared", NetnsDir).EnsureSuccess();
    }

    private static string Install()
    {
        Assert.Null(Imported.Value);
        ShareNetnsDir();
        var overlay = Overlay();
        try
        {
            Kubectl.Ok(Kubectl.Run(["apply", "-k", overlay], stdin: null), "apply -k");
            var rollout = Kubectl.Run(["rollout", "status", "-n", "meshnet", "daemonset/meshnet", "--timeout=180s"], stdin: null, TimeSpan.FromMinutes(4));
            Assert.True(rollout.ExitCode == 0, $"DaemonSet meshnet not ready: {rollout.Stderr}{rollout.Stdout}\n{Logs()}\n{Kubectl.Run("describe", "pods", "-n", "meshnet").Stdout}");
            return overlay;
        }
        catch
        {
            Uninstall(overlay);
            throw;
        }
    }

    private static string Logs() => Kubectl.Run("logs", "-n", "meshnet", "daemonset/meshnet", "--tail=200").Stdout;

    /// <summary>kubectl delete -k, then what a removed DaemonSet leaves on a node by design (like every CNI's).</summary>
    private static void Uninstall(string overlay)
    {
        Kubectl.Run(["delete", "-k", overlay, "--ignore-not-found", "--wait=true", "--timeout=180s"], stdin: null, TimeSpan.FromMinutes(4));
        Directory.Delete(overlay, recursive: true);
        Cmd.Run("umount", "-R", NetnsDir);
        File.Delete(Path.Combine(Harness.CniConfDir, "00-meshnet.conflist"));
        File.Delete(Path.Combine(Harness.CniBinDir, "meshnet"));
    }

    [SkippableFact]
    public void ApplyKustomizeBase_RealCluster_DaemonSetReadyUnderItsServiceAccountAndPlumbsPods()
    {
        Harness.SkipUnlessAvailable();
        var overlay = Install();
        try
        {
            var pod = JsonNode.Parse(Kubectl.Ok(Kubectl.Run("get", "pods", "-n", "meshnet", "-l", "app=meshnet", "-o", "json"), "get").Stdout)!["items"]![0]!;
            Assert.Equal("meshnet", (string?)pod["spec"]!["serviceAccountName"]);
            Assert.True(File.Exists(Path.Combine(Harness.CniBinDir, "meshnet")), "the DaemonSet installed the plugin through its hostPath");
            Assert.Contains("\"type\": \"meshnet\"", File.ReadAllText(Path.Combine(Harness.CniConfDir, "00-meshnet.conflist")), StringComparison.Ordinal);

            using (var ns = new TestNamespace("deploy"))
            {
                var lab = Lab.Ring(3, 1);
                Kubectl.Apply(ns, lab.TopologiesYaml() + "---\n" + lab.PodsYaml());
                Kubectl.WaitAllReady(ns, 3, TimeSpan.FromMinutes(3));
                PodLinks.AssertEveryLinkPings(ns, lab);
            }

            // least privilege is enough: the API server refused the daemon nothing
            Assert.DoesNotContain("forbidden", Logs(), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            Uninstall(overlay);
        }
    }

    [SkippableFact]
    public void DeleteKustomizeBase_AfterApply_RemovesEveryObjectAndTheNodeStillStartsPods()
    {
        Harness.SkipUnlessAvailable();
        var overlay = Install();

        var deleted = Kubectl.Run(["delete", "-k", overlay, "--wait=true", "--timeout=180s"], stdin: null, TimeSpan.FromMinutes(4));

        try
        {
            Assert.True(deleted.ExitCode == 0, deleted.Stderr);
            foreach (var (kind, name) in new[]
            {
                ("namespace", "meshnet"), ("crd", "topologies.networkop.co.uk"), ("crd", "gwirekobjs.networkop.co.uk"),
                ("clusterrole", "meshnet"), ("clusterrolebinding", "meshnet"),
            })
            {
                Assert.Equal("", Kubectl.Run("get", kind, name, "--ignore-not-found", "-o", "name").Stdout.Trim());
            }

            // the conflist the daemon wrote still chains meshnet: a pod without a Topology must still start
            using var ns = new TestNamespace("after");
            Kubectl.Apply(ns, Manifests.KnePod("plain", 0));
            Kubectl.WaitAllReady(ns, 1, TimeSpan.FromMinutes(2));
        }
        finally
        {
            Uninstall(overlay);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DeployCollection
{
    public const string Name = "real node, installed from deploy/";
}
