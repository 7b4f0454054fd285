namespace Meshnet.Cni.Spec;

/// <summary>
/// CNI_ARGS: "KEY=VALUE;KEY=VALUE" (pkg/types.LoadArgs). The kubelet's runtimes pass K8S_POD_NAMESPACE,
/// K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID and K8S_POD_UID; we need the first two.
/// </summary>
internal sealed class CniArgs
{
    private readonly Dictionary<string, string> _values;

    private CniArgs(Dictionary<string, string> values) => _values = values;

    public static CniArgs Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal));

    /// <summary>The pod, or null when this is not a Kubernetes invocation (either key missing or empty).</summary>
    public PodRef? Pod =>
        Get("K8S_POD_NAMESPACE") is { Length: > 0 } ns && Get("K8S_POD_NAME") is { Length: > 0 } name
            ? new PodRef(ns, name)
            : null;

    public string? Get(string key) => _values.GetValueOrDefault(key);

    /// <summary>Parses CNI_ARGS; a pair without '=' is invalid (code 4), as in LoadArgs.</summary>
    public static CniArgs Parse(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return Empty;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in raw.Split(';'))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "invalid CNI_ARGS pair", pair);
            }
            // Last one wins, like LoadArgs setting the same field twice.
            values[pair[..equals]] = pair[(equals + 1)..];
        }
        return new CniArgs(values);
    }
}

/// <summary>A pod as the kubelet names it.</summary>
internal sealed record PodRef(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
