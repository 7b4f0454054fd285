using CsCheck;

namespace Meshnet.Model.Tests.Yaml;

public class TopologyParserPropertyTests
{
    [Fact]
    public void ToYaml_AnyTopologies_ParseYamlReturnsEqualObjects()
    {
        TopologyGenerators.Topology.List[0, 4].Sample(
            topologies =>
            {
                var yaml = TopologyParser.ToYaml(topologies);
                var parsed = TopologyParser.ParseYaml(yaml, "unused");
                return parsed.SequenceEqual(topologies);
            },
            iter: 2000,
            print: t => TopologyParser.ToYaml(t));
    }

    [Fact]
    public void ParseYaml_RandomText_ThrowsOnlyTopologyParseException()
    {
        var garbage = Gen.String[Gen.Char["ab:-[]{}#&*!|>'\"%@` \n\t,?~0123.\\"], 0, 80];

        garbage.Sample(text => ParsesOrFailsCleanly(text), iter: 10_000);
    }

    [Fact]
    public void ParseYaml_MutatedValidYaml_ThrowsOnlyTopologyParseException()
    {
        var valid = TopologyGenerators.Topology.List[1, 2].Select(TopologyParser.ToYaml);
        var mutated = Gen.Select(valid, Gen.Int[0, 10_000], Gen.Int[0, 40], Gen.Char["ab:-[]{}#&*!|>'\"%@` \n\t,"],
            (yaml, at, cut, c) =>
            {
                var i = at % (yaml.Length + 1);
                return yaml[..i] + c + yaml[Math.Min(yaml.Length, i + cut)..];
            });

        mutated.Sample(text => ParsesOrFailsCleanly(text), iter: 5_000);
    }

    private static bool ParsesOrFailsCleanly(string text)
    {
        try
        {
            TopologyParser.ParseYaml(text, "default", "fuzz.yaml");
            return true;
        }
        catch (TopologyParseException e)
        {
            return e.Message.StartsWith("fuzz.yaml", StringComparison.Ordinal) && e.Detail.Length > 0;
        }
    }
}
