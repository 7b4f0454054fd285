namespace Meshnet.Store.Kubernetes;

/// <summary>Names of meshnet's custom resources (group networkop.co.uk, version v1beta1), as the CRDs in deploy/ declare them.</summary>
public static class CustomResources
{
    public const string Group = "networkop.co.uk";

    public const string Version = "v1beta1";

    public const string ApiVersion = Group + "/" + Version;

    public const string TopologyKind = "Topology";

    public const string TopologyPlural = "topologies";

    public const string GWireKObjKind = "GWireKObj";

    public const string GWireKObjPlural = "gwirekobjs";

    /// <summary>API path of a namespaced collection, or of all namespaces when <paramref name="namespace"/> is null (relative to the server's base URI).</summary>
    internal static string CollectionPath(string plural, string? @namespace) => @namespace is null
        ? $"apis/{Group}/{Version}/{plural}"
        : $"apis/{Group}/{Version}/namespaces/{Uri.EscapeDataString(@namespace)}/{plural}";

    internal static string ObjectPath(string plural, string @namespace, string name) =>
        $"{CollectionPath(plural, @namespace)}/{Uri.EscapeDataString(name)}";

    internal static string StatusPath(string plural, string @namespace, string name) => ObjectPath(plural, @namespace, name) + "/status";
}
