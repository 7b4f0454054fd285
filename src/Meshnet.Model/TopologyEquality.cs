namespace Meshnet.Model;

// Records compare collections by reference; a Topology read back from YAML, JSON or a store must equal the one that
// was written, so the records holding collections compare them by content here.

public sealed partial record Topology
{
    public bool Equals(Topology? other) =>
        other is not null
        && Namespace == other.Namespace
        && Name == other.Name
        && Spec == other.Spec
        && Status == other.Status
        && ResourceVersion == other.ResourceVersion
        && Generation == other.Generation
        && LabelsEqual(Labels, other.Labels);

    public override int GetHashCode() => HashCode.Combine(Namespace, Name, Spec, ResourceVersion, Generation);

    private static bool LabelsEqual(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}

public sealed partial record TopologySpec
{
    public bool Equals(TopologySpec? other) => other is not null && Links.SequenceEqual(other.Links);

    public override int GetHashCode() => Links.Count;
}

public sealed partial record TopologyStatus
{
    public bool Equals(TopologyStatus? other) =>
        other is not null
        && SrcIp == other.SrcIp
        && NetNs == other.NetNs
        && ContainerId == other.ContainerId
        && PlumbingError == other.PlumbingError
        && NodeName == other.NodeName
        && Skipped.SequenceEqual(other.Skipped)
        && Links.SequenceEqual(other.Links);

    public override int GetHashCode() => HashCode.Combine(SrcIp, NetNs, ContainerId, Links.Count);
}
