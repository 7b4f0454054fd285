namespace Meshnet.Model.Tests.Json;

public sealed class TopologyJsonNullListTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("{\"links\":null}")]
    public void DeserializeSpec_MissingOrNullLinks_ReadsAsEmpty(string json)
    {
        Assert.Empty(TopologyJson.DeserializeSpec(json).Links);
    }

    [Fact]
    public void DeserializeStatus_GoMeshnetStatusWithoutLinks_ReadsListsAsEmpty()
    {
        var status = TopologyJson.DeserializeStatus("{\"src_ip\":\"10.0.0.1\",\"net_ns\":\"/proc/1/ns/net\"}");

        Assert.Empty(status.Links);
        Assert.Empty(status.Skipped);
        Assert.True(status.IsAlive);
    }

    [Fact]
    public void Deserialize_KneNodeWithEmptySpec_HasNoLinks()
    {
        var t = TopologyJson.Deserialize("{\"apiVersion\":\"networkop.co.uk/v1beta1\",\"kind\":\"Topology\",\"metadata\":{\"name\":\"r1\"},\"spec\":{}}", "default");

        Assert.Empty(t.Spec.Links);
    }
}
