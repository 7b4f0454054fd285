using System.Diagnostics;
using System.Text.Json.Nodes;
using Meshnet.Cni.Tests.Infrastructure;
using Xunit;

namespace Meshnet.Cni.Tests.Chained;

/// <summary>
/// The real chain a node runs: the reference `ptp` + `host-local` plugins first, meshnet last, with the result
/// of the first fed to meshnet as prevResult. The "host" side is a throwaway namespace (ptp turns on ip_forward
/// where it runs), so the machine's own settings stay untouched.
/// </summary>
public sealed class ChainedAfterPtpTests(PluginBinary binary) : PluginTest(binary)
{
    private const string ReferencePlugins = "/usr/lib/cni";

    private static void SkipUnlessPossible() =>
        Skip.IfNot(Environment.UserName == "root" && File.Exists(Path.Combine(ReferencePlugins, "ptp")),
            "needs root and the reference CNI plugins in /usr/lib/cni");

    [SkippableTheory]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public async Task Add_AfterPtp_OutputsPtpResultUnchanged(string version)
    {
        SkipUnlessPossible();
        await StartDaemonAsync();
        using var host = new ThrowawayNamespace("host");
        using var pod = new ThrowawayNamespace("pod");
        var chain = new Chain(this, version, host, pod);

        var ptp = chain.Ptp("ADD");
        try
        {
            var meshnet = chain.Meshnet("ADD", ptp.Json);

            Assert.Equal(0, meshnet.ExitCode);
            Assert.True(JsonNode.DeepEquals(ptp.Json, meshnet.Json), $"ptp: {ptp.Stdout}\nmeshnet: {meshnet.Stdout}");
        }
        finally
        {
            chain.Meshnet("DEL", ptp.Json);
            chain.Ptp("DEL", ptp.Json);
        }
    }

    [SkippableFact]
    public async Task Del_AfterPtpRemovedThePodNamespace_Succeeds()
    {
        SkipUnlessPossible();
        await StartDaemonAsync();
        using var host = new ThrowawayNamespace("host");
        var pod = new ThrowawayNamespace("pod");
        var chain = new Chain(this, "1.0.0", host, pod);
        var ptp = chain.Ptp("ADD");
        chain.Ptp("DEL", ptp.Json);
        pod.Dispose(); // the runtime has already torn the sandbox down

        var meshnet = chain.Meshnet("DEL", ptp.Json);

        Assert.Equal(0, meshnet.ExitCode);
    }

    [SkippableFact]
    public async Task Add_AfterPtp_LeavesThePodAddressInPlace()
    {
        SkipUnlessPossible();
        await StartDaemonAsync();
        using var host = new ThrowawayNamespace("host");
        using var pod = new ThrowawayNamespace("pod");
        var chain = new Chain(this, "1.0.0", host, pod);
        var ptp = chain.Ptp("ADD");
        try
        {
            chain.Meshnet("ADD", ptp.Json);

            string address = ptp.Json["ips"]![0]!["address"]!.GetValue<string>();
            Assert.Contains(address, pod.Exec("-o", "addr", "show", "dev", "eth0"), StringComparison.Ordinal);
        }
        finally
        {
            chain.Meshnet("DEL", ptp.Json);
            chain.Ptp("DEL", ptp.Json);
        }
    }

    /// <summary>One pod's chain: ptp (run inside the host namespace via nsenter) then meshnet.</summary>
    private sealed class Chain(ChainedAfterPtpTests test, string version, ThrowawayNamespace host, ThrowawayNamespace pod)
    {
        private readonly string _containerId = "ctr" + Guid.NewGuid().ToString("N")[..12];

        private string PtpConfig(JsonNode? prevResult) => new JsonObject
        {
            ["cniVersion"] = version,
            ["name"] = "chain",
            ["type"] = "ptp",
            ["ipMasq"] = false,
            ["ipam"] = new JsonObject
            {
                ["type"] = "host-local",
                ["subnet"] = "10.253.0.0/24",
                ["dataDir"] = Path.Combine(test.Sandbox.StateDir, "ipam"),
            },
            ["prevResult"] = prevResult?.DeepClone(),
        }.ToJsonString();

        public PluginResult Ptp(string command, JsonNode? prevResult = null)
        {
            var psi = new ProcessStartInfo("nsenter", [$"--net={host.Path}", Path.Combine(ReferencePlugins, "ptp")])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["CNI_COMMAND"] = command;
            psi.Environment["CNI_CONTAINERID"] = _containerId;
            psi.Environment["CNI_NETNS"] = pod.Path;
            psi.Environment["CNI_IFNAME"] = "eth0";
            psi.Environment["CNI_PATH"] = ReferencePlugins;
            using var process = Process.Start(psi)!;
            process.StandardInput.Write(PtpConfig(command == "DEL" ? null : prevResult));
            process.StandardInput.Close();
            string stdout = process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            var result = new PluginResult(process.ExitCode, stdout, stderr);
            Assert.True(result.ExitCode == 0, "ptp " + result);
            return result;
        }

        public PluginResult Meshnet(string command, JsonNode prevResult) => test.Run(new CniCall
        {
            Command = command,
            ContainerId = _containerId,
            Netns = pod.Path,
            Args = $"IgnoreUnknown=1;K8S_POD_NAMESPACE=lab;K8S_POD_NAME={_containerId}",
            Stdin = test.Sandbox.Config(version, prevResult),
        });
    }
}
