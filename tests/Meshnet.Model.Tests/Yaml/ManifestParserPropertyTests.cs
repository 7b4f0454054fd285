using System.Text;
using System.Text.Json;
using CsCheck;

namespace Meshnet.Model.Tests.Yaml;

public class ManifestParserPropertyTests
{
    private static readonly Gen<string> Word = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 12].Select(s => "a" + s);

    /// <summary>Free text for commands, args and values: quotes, colons, hashes, newlines, unicode.</summary>
    private static readonly Gen<string> Text = Gen.String[Gen.Char["ab :#'\"\\-{}[],&*!|>%@`\n\té€"], 0, 20];

    private static readonly Gen<ContainerDeclaration> Container =
        Gen.Select(Word, Word, Text.List[0, 3].Null(), Text.List[0, 3].Null(), Gen.Select(Word, Text, (k, v) => new KeyValuePair<string, string>(k, v)).List[0, 3],
            Gen.Bool, Word.List[0, 2],
            (name, image, command, args, env, privileged, caps) => new ContainerDeclaration
            {
                Name = name, Image = image, Command = command, Args = args, Env = env, Privileged = privileged, CapabilitiesAdd = caps,
            });

    [Fact]
    public void ParseYaml_AnyPod_ReadsBackEveryContainerField()
    {
        Gen.Select(Word, Container.List[1, 3], (n, c) => (Name: n, Containers: c)).Sample(
            t =>
            {
                var (name, containers) = t;
                var pod = Assert.Single(ManifestParser.ParseYaml(PodYaml(name, containers), "ns").Pods);
                return pod.Name == name && pod.Containers.Count == containers.Count
                    && pod.Containers.Zip(containers).All(p => Same(p.First, p.Second));
            },
            iter: 1000,
            print: t => PodYaml(t.Name, t.Containers));
    }

    [Fact]
    public void ParseYaml_RandomMutationsOfAPod_ThrowOnlyTopologyParseException()
    {
        var valid = Gen.Select(Word, Container.List[1, 2], PodYaml);
        var mutated = Gen.Select(valid, Gen.Int[0, 10_000], Gen.Int[0, 30], Gen.Char["ab:-[]{}#&*!|>'\"%@` \n\t,"],
            (yaml, at, cut, c) =>
            {
                var i = at % (yaml.Length + 1);
                return yaml[..i] + c + yaml[Math.Min(yaml.Length, i + cut)..];
            });

        mutated.Sample(
            text =>
            {
                try
                {
                    ManifestParser.ParseYaml(text, "default", "fuzz.yaml");
                    return true;
                }
                catch (TopologyParseException e)
                {
                    return e.Message.StartsWith("fuzz.yaml", StringComparison.Ordinal);
                }
            },
            iter: 3000);
    }

    private static bool Same(ContainerDeclaration a, ContainerDeclaration b) =>
        a.Name == b.Name && a.Image == b.Image && a.Privileged == b.Privileged
        && Seq(a.Command, b.Command) && Seq(a.Args, b.Args) && a.Env.SequenceEqual(b.Env) && a.CapabilitiesAdd.SequenceEqual(b.CapabilitiesAdd);

    private static bool Seq(IReadOnlyList<string>? a, IReadOnlyList<string>? b) => a is null ? b is null : b is not null && a.SequenceEqual(b);

    /// <summary>JSON strings are YAML flow scalars, so every value is written exactly.</summary>
    private static string PodYaml(string name, IReadOnlyList<ContainerDeclaration> containers)
    {
        static string Q(string s) => JsonSerializer.Serialize(s);
        static string L(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Q)) + "]";
        var sb = new StringBuilder($"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n");
        foreach (var c in containers)
        {
            sb.Append($"  - name: {Q(c.Name)}\n    image: {Q(c.Image)}\n");
            if (c.Command is not null)
            {
                sb.Append($"    command: {L(c.Command)}\n");
            }

            if (c.Args is not null)
            {
                sb.Append($"    args: {L(c.Args)}\n");
            }

            sb.Append("    env: [" + string.Join(", ", c.Env.Select(e => $"{{name: {Q(e.Key)}, value: {Q(e.Value)}}}")) + "]\n");
            sb.Append($"    securityContext: {{privileged: {(c.Privileged ? "true" : "false")}, capabilities: {{add: {L(c.CapabilitiesAdd)}}}}}\n");
        }

        return sb.ToString();
    }
}
