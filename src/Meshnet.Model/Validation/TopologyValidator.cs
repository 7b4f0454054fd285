namespace Meshnet.Model;

/// <summary>
/// Checks Topologies before they are stored or plumbed and reports every problem at once, each naming the object
/// and field (<c>lab1/r1: spec.links[2].local_intf: "eth-very-long-name" is longer than 15 characters</c>).
/// A link whose peer pod is not in the set is valid and pending; a link whose peer is in the set must be mirrored
/// by it (same uid, pods, interfaces, IPs, MACs and MTU, crosswise).
/// </summary>
public static class TopologyValidator
{
    public const int MaxInterfaceNameLength = NameRules.MaxInterfaceNameLength;
    public const int MinMtu = AddressRules.MinMtu;
    public const int MaxMtu = AddressRules.MaxMtu;

    /// <summary>Validates a whole set, e.g. a lab file or everything in a namespace.</summary>
    public static ValidationResult Validate(IReadOnlyCollection<Topology> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var errors = new List<ValidationError>();
        var unique = new Dictionary<PodKey, Topology>();
        foreach (var topology in all)
        {
            ObjectRules.Check(topology, errors);
            if (!unique.TryAdd(topology.Key, topology))
            {
                errors.Add(new(topology.Key, "metadata.name", "the object is defined more than once"));
            }
        }

        LinkPairRules.Check(unique, errors);
        return new ValidationResult(errors);
    }

    /// <summary>
    /// Validates one object when only it is known (the daemon's API): its own fields, and for links within itself
    /// (to its own pod) that both ends agree. Links to other pods are pending, never errors.
    /// </summary>
    public static ValidationResult Validate(Topology topology) => Validate([topology]);
}
