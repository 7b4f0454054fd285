using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Meshnet.Model;

/// <summary>
/// Writes Topologies as a multi-document YAML stream that <c>kubectl apply -f</c> and <see cref="YamlTopologyReader"/>
/// both accept: fields in the CRD's order, optional fields omitted when unset, and strings that a YAML reader would
/// take for a number, boolean or null quoted.
/// </summary>
internal static partial class YamlTopologyWriter
{
    public static string Write(IEnumerable<Topology> topologies)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        foreach (var topology in topologies)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: false));
            WriteTopology(emitter, topology);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }

        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void WriteTopology(Emitter e, Topology t)
    {
        Begin(e);
        Field(e, "apiVersion", TopologyParser.ApiVersion);
        Field(e, "kind", TopologyParser.Kind);
        Key(e, "metadata");
        Begin(e);
        Field(e, "name", t.Name);
        Field(e, "namespace", t.Namespace);
        if (t.Labels.Count > 0)
        {
            Key(e, "labels");
            Begin(e);
            foreach (var (key, value) in t.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Field(e, key, value);
            }

            End(e);
        }

        Field(e, "resourceVersion", t.ResourceVersion);
        if (t.Generation != 0)
        {
            Number(e, "generation", t.Generation);
        }

        End(e);
        Key(e, "spec");
        Begin(e);
        Key(e, "links");
        e.Emit(new SequenceStart(null, null, isImplicit: true, t.Spec.Links.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
        foreach (var link in t.Spec.Links)
        {
            WriteLink(e, link);
        }

        e.Emit(new SequenceEnd());
        End(e);
        if (t.Status != new TopologyStatus())
        {
            WriteStatus(e, t.Status);
        }

        End(e);
    }

    private static void WriteLink(Emitter e, Link link)
    {
        Begin(e);
        Number(e, "uid", link.Uid);
        Field(e, "peer_pod", link.PeerPod);
        Field(e, "local_intf", link.LocalIntf);
        Field(e, "peer_intf", link.PeerIntf);
        Field(e, "local_ip", link.LocalIp);
        Field(e, "peer_ip", link.PeerIp);
        if (link.Mtu is { } mtu)
        {
            Number(e, "mtu", mtu);
        }

        Field(e, "local_mac", link.LocalMac);
        Field(e, "peer_mac", link.PeerMac);
        End(e);
    }

    private static void WriteStatus(Emitter e, TopologyStatus status)
    {
        Key(e, "status");
        Begin(e);
        Field(e, "src_ip", status.SrcIp);
        Field(e, "net_ns", status.NetNs);
        Field(e, "container_id", status.ContainerId);
        if (status.Skipped.Count > 0)
        {
            Key(e, "skipped");
            e.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
            foreach (var s in status.Skipped)
            {
                Value(e, s);
            }

            e.Emit(new SequenceEnd());
        }

        Field(e, "plumbing_error", status.PlumbingError);
        Field(e, "node_name", status.NodeName);
        if (status.Links.Count > 0)
        {
            Key(e, "links");
            e.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
            foreach (var l in status.Links)
            {
                Begin(e);
                Number(e, "uid", l.Uid);
                Field(e, "state", l.State.ToString());
                Field(e, "transport", l.Transport);
                Field(e, "error", l.Error);
                if (l.Counters is { } c)
                {
                    Key(e, "counters");
                    Begin(e);
                    Number(e, "tx_frames", c.TxFrames);
                    Number(e, "tx_bytes", c.TxBytes);
                    Number(e, "tx_drops", c.TxDrops);
                    Number(e, "rx_frames", c.RxFrames);
                    Number(e, "rx_bytes", c.RxBytes);
                    Number(e, "rx_drops", c.RxDrops);
                    End(e);
                }

                End(e);
            }

            e.Emit(new SequenceEnd());
        }

        End(e);
    }

    private static void Begin(Emitter e) => e.Emit(new MappingStart(null, null, isImplicit: true, MappingStyle.Block));

    private static void End(Emitter e) => e.Emit(new MappingEnd());

    private static void Key(Emitter e, string key) => Value(e, key);

    private static void Field(Emitter e, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        Key(e, key);
        Value(e, value);
    }

    private static void Number(Emitter e, string key, long value)
    {
        Key(e, key);
        e.Emit(new Scalar(null, null, value.ToString(CultureInfo.InvariantCulture), ScalarStyle.Plain, true, false));
    }

    private static void Value(Emitter e, string value)
    {
        // Plain when a YAML 1.1 or 1.2 reader would still see a string; the emitter itself quotes what plain
        // syntax cannot hold. A MAC like 02:00:00:00:00:01 is a sexagesimal number in YAML 1.1, hence quoted.
        var style = NotPlainString().IsMatch(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        e.Emit(new Scalar(null, null, value, style, true, true));
    }

    [GeneratedRegex(
        @"^$|^[-+.]?[0-9]|^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})+$|^(~|null|true|false|yes|no|on|off|y|n|\.inf|\.nan)$|\s",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NotPlainString();
}
