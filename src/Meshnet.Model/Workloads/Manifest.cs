namespace Meshnet.Model;

/// <summary>
/// Everything a file for <c>kubectl apply -f</c> declares that a lab can use: the Topologies, the pods (from Pods,
/// StatefulSets and Deployments, named as Kubernetes names them), the Namespaces, and one entry per object of a kind
/// a lab has no use for, so that nothing is dropped silently.
/// </summary>
public sealed record Manifest
{
    public IReadOnlyList<Topology> Topologies { get; init; } = [];

    public IReadOnlyList<PodDeclaration> Pods { get; init; } = [];

    /// <summary>Names of the <c>Namespace</c> objects in the file.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = [];

    public IReadOnlyList<SkippedObject> Skipped { get; init; } = [];
}

/// <summary>An object the file declares that a lab does not run (a Service, a ConfigMap...).</summary>
/// <param name="Kind">Its <c>kind</c>.</param>
/// <param name="Name">Its <c>metadata.name</c> (empty when it has none).</param>
/// <param name="Document">1-based YAML document it came from.</param>
public sealed record SkippedObject(string Kind, string Name, int Document)
{
    public override string ToString() => Name.Length == 0 ? Kind : $"{Kind}/{Name}";
}

/// <summary>
/// One pod as the file declares it: directly (<c>Pod</c>) or through a controller's template (<c>StatefulSet</c>
/// replicas <c>NAME-0..N-1</c>, <c>Deployment</c> replicas <c>NAME-HASH-SUFFIX</c>).
/// </summary>
public sealed record PodDeclaration
{
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>What declared it, for messages: <c>Pod r1</c>, <c>StatefulSet sts</c>.</summary>
    public required string Source { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary><c>spec.initContainers</c>: run one after another, each to completion, before the containers.</summary>
    public IReadOnlyList<ContainerDeclaration> InitContainers { get; init; } = [];

    public IReadOnlyList<ContainerDeclaration> Containers { get; init; } = [];

    public PodKey Key => new(Namespace, Name);
}

/// <summary>The fields of a Kubernetes container that decide what runs and with which rights.</summary>
public sealed record ContainerDeclaration
{
    public required string Name { get; init; }

    public required string Image { get; init; }

    /// <summary>Replaces the image's entrypoint when set (Kubernetes <c>command</c>).</summary>
    public IReadOnlyList<string>? Command { get; init; }

    /// <summary>Replaces the image's cmd when set (Kubernetes <c>args</c>).</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary><c>env[]</c> in order (later entries may refer to earlier ones in Kubernetes; a lab passes them as written).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Env { get; init; } = [];

    public string? WorkingDir { get; init; }

    public bool Privileged { get; init; }

    public IReadOnlyList<string> CapabilitiesAdd { get; init; } = [];

    public IReadOnlyList<string> CapabilitiesDrop { get; init; } = [];

    /// <summary><c>Always</c>, <c>IfNotPresent</c> or <c>Never</c>; null means Kubernetes' default for the image's tag.</summary>
    public string? ImagePullPolicy { get; init; }

    /// <summary>The policy Kubernetes applies: <c>Always</c> for an untagged or <c>:latest</c> image, else <c>IfNotPresent</c>.</summary>
    public string EffectivePullPolicy => ImagePullPolicy ?? (HasFixedTag(Image) ? "IfNotPresent" : "Always");

    private static bool HasFixedTag(string image)
    {
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return true; // pinned by digest
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > lastSlash && image[(colon + 1)..] != "latest";
    }
}
