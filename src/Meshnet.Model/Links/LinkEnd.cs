namespace Meshnet.Model;

/// <summary>
/// One end of a link: an interface of a pod. Ends sort ordinally by (namespace, pod, interface), which is what makes
/// link ownership deterministic (see <see cref="LinkIdentity.Owner"/>).
/// </summary>
public readonly record struct LinkEnd(PodKey Pod, string Intf) : IComparable<LinkEnd>
{
    public int CompareTo(LinkEnd other)
    {
        var c = Pod.CompareTo(other.Pod);
        return c != 0 ? c : string.CompareOrdinal(Intf, other.Intf);
    }

    public override string ToString() => $"{Pod}:{Intf}";

    public static bool operator <(LinkEnd left, LinkEnd right) => left.CompareTo(right) < 0;

    public static bool operator <=(LinkEnd left, LinkEnd right) => left.CompareTo(right) <= 0;

    public static bool operator >(LinkEnd left, LinkEnd right) => left.CompareTo(right) > 0;

    public static bool operator >=(LinkEnd left, LinkEnd right) => left.CompareTo(right) >= 0;
}

/// <summary>Identity of a link within the cluster: both ends share the uid, which is unique per namespace.</summary>
public readonly record struct LinkKey(string Namespace, int Uid)
{
    public override string ToString() => $"{Namespace}/{Uid}";
}
