using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Meshnet.Model;

/// <summary>
/// The other kinds a file for <c>kubectl apply -f</c> carries beside Topologies, read when the reader is asked for a
/// whole <see cref="Manifest"/>: Pods, StatefulSets and Deployments become pods, Namespaces are noted, everything
/// else is skipped by name. Pod specs have dozens of fields a lab does not use (volumes, probes, resources...), so
/// unknown fields there are ignored; the fields a lab does use are type-checked as strictly as a Topology's.
/// </summary>
internal sealed partial class YamlTopologyReader
{
    private const string AppsApiVersion = "apps/v1";

    /// <summary>Kubernetes' alphabet for generated name suffixes (no vowels, no look-alike digits).</summary>
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly List<PodDeclaration> _pods = [];
    private readonly List<string> _namespaces = [];
    private readonly List<SkippedObject> _skipped = [];

    public Manifest ReadManifest(string text)
    {
        Load(text);
        return new Manifest { Topologies = _topologies, Pods = _pods, Namespaces = _namespaces, Skipped = _skipped };
    }

    private void ReadWorkload(YamlMappingNode map, string kind, string prefix)
    {
        switch (kind)
        {
            case "Pod":
                ReadPod(map, prefix);
                break;
            case "StatefulSet" or "Deployment":
                ReadController(map, kind, prefix);
                break;
            case "Namespace":
                var (name, _, _) = ReadMetadata(map, prefix);
                _namespaces.Add(name);
                break;
            default:
                var fields = Fields(map, prefix, known: null);
                var metadata = fields.TryGetValue("metadata", out var m) && m is YamlMappingNode mm ? Fields(mm, prefix + "metadata.", known: null) : [];
                _skipped.Add(new SkippedObject(kind, OptionalString(metadata, "name", prefix + "metadata.") ?? "", _document));
                break;
        }
    }

    private void ReadPod(YamlMappingNode map, string prefix)
    {
        ExpectApiVersion(map, prefix, "v1");
        var (name, ns, labels) = ReadMetadata(map, prefix);
        var (init, containers) = ReadPodSpec(Field(map, "spec", prefix), prefix + "spec");
        _pods.Add(new PodDeclaration
        {
            Namespace = ns, Name = name, Source = $"Pod {name}", Labels = labels, InitContainers = init, Containers = containers,
        });
    }

    /// <summary>A StatefulSet's pods are <c>NAME-0..N-1</c>; a Deployment's <c>NAME-HASH-SUFFIX</c>, stable across runs.</summary>
    private void ReadController(YamlMappingNode map, string kind, string prefix)
    {
        ExpectApiVersion(map, prefix, AppsApiVersion);
        var (name, ns, _) = ReadMetadata(map, prefix);
        var specPath = prefix + "spec";
        var spec = Fields(AsMapping(Field(map, "spec", prefix), specPath), specPath + ".", known: null);
        var replicas = spec.TryGetValue("replicas", out var r) && !IsNull(r) ? ReadInt(r, specPath + ".replicas") : 1;
        if (replicas < 0)
        {
            throw Fail(r!, $"{specPath}.replicas: {replicas} is negative");
        }

        var templatePath = specPath + ".template";
        var template = spec.TryGetValue("template", out var t) && !IsNull(t)
            ? AsMapping(t, templatePath)
            : throw Fail(map, $"{templatePath}: required");
        var templateFields = Fields(template, templatePath + ".", known: null);
        var labels = templateFields.TryGetValue("metadata", out var tm) && !IsNull(tm)
            ? ReadLabels(Fields(AsMapping(tm, templatePath + ".metadata"), templatePath + ".metadata.", known: null), templatePath + ".metadata.labels")
            : [];
        var (init, containers) = ReadPodSpec(Field(template, "spec", templatePath + "."), templatePath + ".spec");

        var hash = kind == "Deployment" ? Encode(Fnv1a($"{ns}/{name}"), 10) : "";
        for (var i = 0; i < replicas; i++)
        {
            var podName = kind == "StatefulSet"
                ? $"{name}-{i.ToString(CultureInfo.InvariantCulture)}"
                : $"{name}-{hash}-{Encode(Fnv1a($"{ns}/{name}/{i.ToString(CultureInfo.InvariantCulture)}"), 5)}";
            _pods.Add(new PodDeclaration
            {
                Namespace = ns, Name = podName, Source = $"{kind} {name}", Labels = labels, InitContainers = init, Containers = containers,
            });
        }
    }

    private (string Name, string Namespace, Dictionary<string, string> Labels) ReadMetadata(YamlMappingNode map, string prefix)
    {
        var metadataNode = Field(map, "metadata", prefix);
        var metadata = Fields(AsMapping(metadataNode, prefix + "metadata"), prefix + "metadata.", known: null);
        var name = OptionalString(metadata, "name", prefix + "metadata.");
        if (string.IsNullOrEmpty(name))
        {
            throw Fail(metadataNode, $"{prefix}metadata.name: required");
        }

        var ns = OptionalString(metadata, "namespace", prefix + "metadata.");
        return (name, string.IsNullOrEmpty(ns) ? defaultNamespace : ns, ReadLabels(metadata, prefix + "metadata.labels"));
    }

    private (List<ContainerDeclaration> Init, List<ContainerDeclaration> Containers) ReadPodSpec(YamlNode node, string path)
    {
        var spec = Fields(AsMapping(node, path), path + ".", known: null);
        var containers = ReadList(spec, "containers", path + ".", ReadContainer);
        if (containers.Count == 0)
        {
            throw Fail(node, $"{path}.containers: at least one container is required");
        }

        return (ReadList(spec, "initContainers", path + ".", ReadContainer), containers);
    }

    private ContainerDeclaration ReadContainer(YamlNode node, string path)
    {
        var map = AsMapping(node, path);
        var prefix = path + ".";
        var fields = Fields(map, prefix, known: null);
        var (privileged, add, drop) = fields.TryGetValue("securityContext", out var sc) && !IsNull(sc)
            ? ReadSecurityContext(sc, prefix + "securityContext")
            : (false, [], []);
        var policy = OptionalString(fields, "imagePullPolicy", prefix);
        if (policy is not (null or "Always" or "IfNotPresent" or "Never"))
        {
            throw Fail(fields["imagePullPolicy"], $"{prefix}imagePullPolicy: \"{policy}\" is not one of Always, IfNotPresent, Never");
        }

        return new ContainerDeclaration
        {
            Name = RequiredValue(map, fields, "name", prefix),
            Image = RequiredValue(map, fields, "image", prefix),
            Command = fields.ContainsKey("command") ? ReadList(fields, "command", prefix, Text) : null,
            Args = fields.ContainsKey("args") ? ReadList(fields, "args", prefix, Text) : null,
            Env = ReadList(fields, "env", prefix, ReadEnv),
            WorkingDir = OptionalString(fields, "workingDir", prefix),
            ImagePullPolicy = policy,
            Privileged = privileged,
            CapabilitiesAdd = add,
            CapabilitiesDrop = drop,
        };
    }

    private (bool Privileged, List<string> Add, List<string> Drop) ReadSecurityContext(YamlNode node, string path)
    {
        var fields = Fields(AsMapping(node, path), path + ".", known: null);
        var privileged = fields.TryGetValue("privileged", out var p) && !IsNull(p) && ReadBool(p, path + ".privileged");
        if (!fields.TryGetValue("capabilities", out var caps) || IsNull(caps))
        {
            return (privileged, [], []);
        }

        var capFields = Fields(AsMapping(caps, path + ".capabilities"), path + ".capabilities.", ["add", "drop"]);
        return (privileged, ReadList(capFields, "add", path + ".capabilities.", Text), ReadList(capFields, "drop", path + ".capabilities.", Text));
    }

    private KeyValuePair<string, string> ReadEnv(YamlNode node, string path)
    {
        var map = AsMapping(node, path);
        var fields = Fields(map, path + ".", known: null);
        if (fields.TryGetValue("valueFrom", out var valueFrom))
        {
            throw Fail(valueFrom, $"{path}.valueFrom: not supported in a lab (no API server to read Secrets, ConfigMaps or fields from); give a value");
        }

        return new(RequiredValue(map, fields, "name", path + "."), OptionalString(fields, "value", path + ".") ?? "");
    }

    private string Text(YamlNode node, string path) => AsScalar(node, path).Value ?? "";

    private bool ReadBool(YamlNode node, string path)
    {
        var scalar = AsScalar(node, path);
        return scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Value is "true" or "false"
            ? scalar.Value == "true"
            : throw Fail(node, $"{path}: \"{scalar.Value}\" is not true or false");
    }

    private void ExpectApiVersion(YamlMappingNode map, string prefix, string expected)
    {
        var apiVersion = RequiredString(map, "apiVersion", prefix);
        if (apiVersion != expected)
        {
            throw Fail(map, $"{prefix}apiVersion: \"{apiVersion}\" is not {expected}");
        }
    }

    private YamlNode Field(YamlMappingNode map, string key, string prefix)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: var name } && name == key && !IsNull(v))
            {
                return v;
            }
        }

        throw Fail(map, $"{prefix}{key}: required");
    }

    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    private static string Encode(uint value, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = SafeAlphabet[(int)(value % (uint)SafeAlphabet.Length)];
            value = (value / (uint)SafeAlphabet.Length) ^ (value * 2654435761u);
        }

        return new string(chars);
    }
}
