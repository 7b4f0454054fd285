using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Meshnet.Model;

/// <summary>
/// Walks a YAML node tree (no reflection, so it stays AOT-safe) and builds Topologies, failing with the source,
/// document and line of the first problem. Fields that decide the wiring (<c>spec</c>, <c>spec.links[]</c>) are
/// strict: an unknown key is an error, so a typo such as <c>peer_inft</c> cannot silently drop an interface.
/// <c>metadata</c> and <c>status</c> are lenient, because servers add fields there that a file may carry back.
/// </summary>
internal sealed partial class YamlTopologyReader(string sourceName, string defaultNamespace, bool workloads = false)
{
    private static readonly string[] ObjectFields = ["apiVersion", "kind", "metadata", "spec", "status"];
    private static readonly string[] ListFields = ["apiVersion", "kind", "metadata", "items"];
    private static readonly string[] SpecFields = ["links"];
    private static readonly string[] LinkFields =
        ["uid", "peer_pod", "local_intf", "peer_intf", "local_ip", "peer_ip", "mtu", "local_mac", "peer_mac"];

    private readonly List<Topology> _topologies = [];
    private int _document;

    public IReadOnlyList<Topology> Read(string text)
    {
        Load(text);
        return _topologies;
    }

    private void Load(string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // Documents are appended as they load, so the failing one is the next.
            throw new TopologyParseException(
                sourceName, stream.Documents.Count + 1, e.Start.Line, "invalid YAML: " + StripMark(e.Message), e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet reports some malformed streams (e.g. a dangling key) through these, without a position.
            throw new TopologyParseException(sourceName, stream.Documents.Count + 1, 0, "invalid YAML: " + e.Message, e);
        }

        for (var i = 0; i < stream.Documents.Count; i++)
        {
            _document = i + 1;
            var root = stream.Documents[i].RootNode;
            if (IsNull(root))
            {
                continue;
            }

            ReadObject(AsMapping(root, "document"));
        }
    }

    private void ReadObject(YamlMappingNode map)
    {
        var kind = RequiredString(map, "kind", "");
        switch (kind)
        {
            case TopologyParser.Kind:
                _topologies.Add(ReadTopology(map, ""));
                break;
            case "List":
                var fields = Fields(map, "", ListFields);
                if (!fields.TryGetValue("items", out var items) || IsNull(items))
                {
                    return;
                }

                var seq = AsSequence(items, "items");
                for (var j = 0; j < seq.Children.Count; j++)
                {
                    var prefix = $"items[{j}].";
                    var item = AsMapping(seq.Children[j], $"items[{j}]");
                    var itemKind = RequiredString(item, "kind", prefix);
                    if (itemKind == TopologyParser.Kind)
                    {
                        _topologies.Add(ReadTopology(item, prefix));
                    }
                    else if (!workloads || itemKind == "List")
                    {
                        throw Fail(item, $"{prefix}kind: \"{itemKind}\" is not supported (expected {TopologyParser.Kind})");
                    }
                    else
                    {
                        ReadWorkload(item, itemKind, prefix);
                    }
                }

                break;
            default:
                if (!workloads)
                {
                    throw Fail(map, $"kind \"{kind}\" is not supported (expected {TopologyParser.Kind} or List)");
                }

                ReadWorkload(map, kind, "");
                break;
        }
    }

    private Topology ReadTopology(YamlMappingNode map, string prefix)
    {
        var fields = Fields(map, prefix, ObjectFields);
        var apiVersion = RequiredString(map, "apiVersion", prefix);
        if (apiVersion != TopologyParser.ApiVersion)
        {
            throw Fail(fields["apiVersion"], $"{prefix}apiVersion: \"{apiVersion}\" is not {TopologyParser.ApiVersion}");
        }

        if (!fields.TryGetValue("metadata", out var metadataNode))
        {
            throw Fail(map, $"{prefix}metadata: required");
        }

        var metadata = Fields(AsMapping(metadataNode, prefix + "metadata"), prefix + "metadata.", known: null);
        var name = OptionalString(metadata, "name", prefix + "metadata.");
        if (string.IsNullOrEmpty(name))
        {
            throw Fail(metadataNode, $"{prefix}metadata.name: required");
        }

        var ns = OptionalString(metadata, "namespace", prefix + "metadata.");
        var generation = metadata.TryGetValue("generation", out var g) && !IsNull(g)
            ? ReadLong(g, prefix + "metadata.generation")
            : 0;

        return new Topology
        {
            Namespace = string.IsNullOrEmpty(ns) ? defaultNamespace : ns,
            Name = name,
            Labels = ReadLabels(metadata, prefix + "metadata.labels"),
            ResourceVersion = OptionalString(metadata, "resourceVersion", prefix + "metadata."),
            Generation = generation,
            Spec = fields.TryGetValue("spec", out var spec) ? ReadSpec(spec, prefix + "spec") : new TopologySpec(),
            Status = fields.TryGetValue("status", out var status) ? ReadStatus(status, prefix + "status") : new TopologyStatus(),
        };
    }

    private Dictionary<string, string> ReadLabels(Dictionary<string, YamlNode> metadata, string path)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!metadata.TryGetValue("labels", out var node) || IsNull(node))
        {
            return labels;
        }

        foreach (var (key, value) in Fields(AsMapping(node, path), path + ".", known: null))
        {
            labels[key] = AsScalar(value, $"{path}.{key}").Value ?? "";
        }

        return labels;
    }

    private TopologySpec ReadSpec(YamlNode node, string path)
    {
        if (IsNull(node))
        {
            return new TopologySpec();
        }

        var fields = Fields(AsMapping(node, path), path + ".", SpecFields);
        if (!fields.TryGetValue("links", out var linksNode) || IsNull(linksNode))
        {
            return new TopologySpec();
        }

        var seq = AsSequence(linksNode, path + ".links");
        var links = new List<Link>(seq.Children.Count);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            links.Add(ReadLink(seq.Children[i], $"{path}.links[{i}]"));
        }

        return new TopologySpec { Links = links };
    }

    private Link ReadLink(YamlNode node, string path)
    {
        var map = AsMapping(node, path);
        var fields = Fields(map, path + ".", LinkFields);
        var prefix = path + ".";
        return new Link
        {
            Uid = ReadInt(Required(map, fields, "uid", prefix), prefix + "uid"),
            PeerPod = RequiredValue(map, fields, "peer_pod", prefix),
            LocalIntf = RequiredValue(map, fields, "local_intf", prefix),
            PeerIntf = RequiredValue(map, fields, "peer_intf", prefix),
            LocalIp = OptionalString(fields, "local_ip", prefix),
            PeerIp = OptionalString(fields, "peer_ip", prefix),
            Mtu = fields.TryGetValue("mtu", out var mtu) && !IsNull(mtu) ? ReadInt(mtu, prefix + "mtu") : null,
            LocalMac = OptionalString(fields, "local_mac", prefix),
            PeerMac = OptionalString(fields, "peer_mac", prefix),
        };
    }

    private TopologyStatus ReadStatus(YamlNode node, string path)
    {
        if (IsNull(node))
        {
            return new TopologyStatus();
        }

        var prefix = path + ".";
        var fields = Fields(AsMapping(node, path), prefix, known: null);
        return new TopologyStatus
        {
            SrcIp = OptionalString(fields, "src_ip", prefix),
            NetNs = OptionalString(fields, "net_ns", prefix),
            ContainerId = OptionalString(fields, "container_id", prefix),
            PlumbingError = OptionalString(fields, "plumbing_error", prefix),
            NodeName = OptionalString(fields, "node_name", prefix),
            Skipped = ReadList(fields, "skipped", prefix, (n, p) => AsScalar(n, p).Value ?? ""),
            Links = ReadList(fields, "links", prefix, ReadLinkStatus),
        };
    }

    private LinkStatus ReadLinkStatus(YamlNode node, string path)
    {
        var map = AsMapping(node, path);
        var prefix = path + ".";
        var fields = Fields(map, prefix, known: null);
        var stateText = RequiredValue(map, fields, "state", prefix);
        // Enum.TryParse also takes numbers and comma lists; only a state's name is accepted.
        if (stateText.Length == 0 || !char.IsLetter(stateText[0])
            || !Enum.TryParse<LinkState>(stateText, ignoreCase: true, out var state) || !Enum.IsDefined(state))
        {
            throw Fail(fields["state"], $"{prefix}state: \"{stateText}\" is not one of {string.Join(", ", Enum.GetNames<LinkState>())}");
        }

        return new LinkStatus
        {
            Uid = ReadInt(Required(map, fields, "uid", prefix), prefix + "uid"),
            State = state,
            Transport = OptionalString(fields, "transport", prefix),
            Error = OptionalString(fields, "error", prefix),
            Counters = fields.TryGetValue("counters", out var counters) && !IsNull(counters) ? ReadCounters(counters, prefix + "counters") : null,
        };
    }

    private LinkCounters ReadCounters(YamlNode node, string path)
    {
        var map = AsMapping(node, path);
        var prefix = path + ".";
        var fields = Fields(map, prefix, known: null);
        long Count(string key) => fields.TryGetValue(key, out var n) && !IsNull(n) ? ReadLong(n, prefix + key) : 0;
        return new LinkCounters
        {
            TxFrames = Count("tx_frames"), TxBytes = Count("tx_bytes"), TxDrops = Count("tx_drops"),
            RxFrames = Count("rx_frames"), RxBytes = Count("rx_bytes"), RxDrops = Count("rx_drops"),
        };
    }

    private List<T> ReadList<T>(Dictionary<string, YamlNode> fields, string key, string prefix, Func<YamlNode, string, T> read)
    {
        if (!fields.TryGetValue(key, out var node) || IsNull(node))
        {
            return [];
        }

        var seq = AsSequence(node, prefix + key);
        var list = new List<T>(seq.Children.Count);
        for (var i = 0; i < seq.Children.Count; i++)
        {
            list.Add(read(seq.Children[i], $"{prefix}{key}[{i}]"));
        }

        return list;
    }

    /// <summary>The mapping's fields by key; with <paramref name="known"/>, any other key is an error.</summary>
    private Dictionary<string, YamlNode> Fields(YamlMappingNode map, string prefix, string[]? known)
    {
        var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var key = AsScalar(keyNode, prefix + "<key>").Value ?? "";
            if (known is not null && Array.IndexOf(known, key) < 0)
            {
                throw Fail(keyNode, $"{prefix}{key}: unknown field (expected one of: {string.Join(", ", known)})");
            }

            if (!fields.TryAdd(key, value))
            {
                throw Fail(keyNode, $"{prefix}{key}: duplicate field");
            }
        }

        return fields;
    }

    private YamlNode Required(YamlMappingNode map, Dictionary<string, YamlNode> fields, string key, string prefix) =>
        fields.TryGetValue(key, out var node) && !IsNull(node) ? node : throw Fail(map, $"{prefix}{key}: required");

    private string RequiredValue(YamlMappingNode map, Dictionary<string, YamlNode> fields, string key, string prefix) =>
        AsScalar(Required(map, fields, key, prefix), prefix + key).Value ?? "";

    private string RequiredString(YamlMappingNode map, string key, string prefix)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: var name } && name == key)
            {
                return IsNull(v) ? throw Fail(map, $"{prefix}{key}: required") : AsScalar(v, prefix + key).Value ?? "";
            }
        }

        throw Fail(map, $"{prefix}{key}: required");
    }

    private string? OptionalString(Dictionary<string, YamlNode> fields, string key, string prefix) =>
        fields.TryGetValue(key, out var node) && !IsNull(node) ? AsScalar(node, prefix + key).Value ?? "" : null;

    private int ReadInt(YamlNode node, string path) =>
        int.TryParse(IntegerText(node, path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Fail(node, $"{path}: \"{((YamlScalarNode)node).Value}\" is not an integer in the 32-bit range");

    private long ReadLong(YamlNode node, string path) =>
        long.TryParse(IntegerText(node, path), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Fail(node, $"{path}: \"{((YamlScalarNode)node).Value}\" is not an integer");

    /// <summary>An integer must be written as one: a quoted <c>"1"</c> is a string in YAML, and Kubernetes rejects it.</summary>
    private string IntegerText(YamlNode node, string path)
    {
        var scalar = AsScalar(node, path);
        return scalar.Style is ScalarStyle.Plain or ScalarStyle.Any
            ? scalar.Value ?? ""
            : throw Fail(node, $"{path}: must be an integer, not the string \"{scalar.Value}\"");
    }

    private YamlScalarNode AsScalar(YamlNode node, string path) =>
        node as YamlScalarNode ?? throw Fail(node, $"{path}: must be a single value, not a {Describe(node)}");

    private YamlMappingNode AsMapping(YamlNode node, string path) =>
        node as YamlMappingNode ?? throw Fail(node, $"{path}: must be a mapping, not a {Describe(node)}");

    private YamlSequenceNode AsSequence(YamlNode node, string path) =>
        node as YamlSequenceNode ?? throw Fail(node, $"{path}: must be a list, not a {Describe(node)}");

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "single value",
    };

    /// <summary>A YAML null: empty, <c>~</c> or <c>null</c>, unquoted.</summary>
    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } s
        && (string.IsNullOrEmpty(s.Value) || s.Value is "~" or "null" or "Null" or "NULL");

    private TopologyParseException Fail(YamlNode node, string detail) =>
        new(sourceName, _document, node.Start.Line, detail);

    /// <summary>YamlDotNet prefixes its messages with the position, which our message already carries.</summary>
    private static string StripMark(string message) => MarkPrefix().Replace(message, "");

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ")]
    private static partial Regex MarkPrefix();
}
