using Xunit;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>Theory data: every CNI spec version the plugin speaks, and subsets by feature.</summary>
public static class SpecVersions
{
    public static TheoryData<string> All => ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public static TheoryData<string> WithCheck => ["0.4.0", "1.0.0", "1.1.0"];

    public static TheoryData<string> WithoutCheck => ["0.3.0", "0.3.1"];

    public static TheoryData<string> WithoutStatusAndGc => ["0.3.0", "0.3.1", "0.4.0", "1.0.0"];

    /// <summary>A realistic result of a primary plugin (ptp + host-local) in the given version's shape.</summary>
    public static System.Text.Json.Nodes.JsonObject PrevResult(string version) =>
        (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(version.StartsWith("0.", StringComparison.Ordinal)
            ? $$$"""
              {"cniVersion":"{{{version}}}","interfaces":[{"name":"veth1a2b","mac":"de:ad:be:ef:00:01"},{"name":"eth0","mac":"de:ad:be:ef:00:02","sandbox":"/var/run/netns/x"}],
               "ips":[{"version":"4","interface":1,"address":"10.244.1.7/24","gateway":"10.244.1.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.96.0.10"]}}
              """
            : $$$"""
              {"cniVersion":"{{{version}}}","interfaces":[{"name":"veth1a2b","mac":"de:ad:be:ef:00:01"},{"name":"eth0","mac":"de:ad:be:ef:00:02","sandbox":"/var/run/netns/x"}],
               "ips":[{"interface":1,"address":"10.244.1.7/24","gateway":"10.244.1.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{"nameservers":["10.96.0.10"]}}
              """)!;
}
