using System.Net;
using System.Text.Json;

namespace Meshnet.Cni.Spec;

/// <summary>
/// Checks the <c>prevResult</c> handed to ADD and CHECK against the result shape of the config's spec version
/// (types/040 for 0.3.x–0.4.0, types/100 for 1.x: interfaces, ips, routes, dns), before the plugin does anything. ADD
/// hands the result on, so a result the runtime could not decode must be refused here, not passed along after the
/// pod was registered. Failures are decoding failures (6), naming the field, as libcni's typed decode would be.
/// </summary>
internal static class PrevResult
{
    /// <summary>Throws a <see cref="CniException"/> naming the first field that is not what the spec says.</summary>
    public static void Validate(JsonElement? prevResult, string cniVersion)
    {
        if (prevResult is not { } prev || prev.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (prev.ValueKind != JsonValueKind.Object)
        {
            throw Bad("prevResult", $"is a JSON {Kind(prev)}, not an object");
        }

        // The 'version' of each IP was dropped in 1.0.0; before it, every IP carries "4" or "6".
        var ipVersionRequired = SpecVersion.TryParse(cniVersion, out var v) && v.Major == 0;
        if (prev.TryGetProperty("cniVersion", out var version)
            && (version.ValueKind != JsonValueKind.String || !SpecVersion.TryParse(version.GetString()!, out _)))
        {
            throw Bad("prevResult.cniVersion", "is not a version string");
        }

        var interfaces = 0;
        foreach (var (intf, i) in Array(prev, "interfaces"))
        {
            var field = $"prevResult.interfaces[{i}]";
            RequireObject(intf, field);
            if (String(intf, "name", field) is not { Length: > 0 })
            {
                throw Bad($"{field}.name", "is required");
            }

            String(intf, "mac", field);
            String(intf, "sandbox", field);
            String(intf, "socketPath", field);
            String(intf, "pciID", field);
            Integer(intf, "mtu", field);
            interfaces++;
        }

        foreach (var (ip, i) in Array(prev, "ips"))
        {
            var field = $"prevResult.ips[{i}]";
            RequireObject(ip, field);
            var address = Cidr(ip, "address", field) ?? throw Bad($"{field}.address", "is required");
            Ip(ip, "gateway", field);
            if (Integer(ip, "interface", field) is { } index && (index < 0 || index >= interfaces))
            {
                throw Bad($"{field}.interface", $"is {index}, but there are {interfaces} interfaces");
            }

            var family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? "4" : "6";
            switch (String(ip, "version", field))
            {
                case null when ipVersionRequired:
                    throw Bad($"{field}.version", $"is required in spec {cniVersion} (\"4\" or \"6\")");
                case { } given when given != family:
                    throw Bad($"{field}.version", $"is \"{given}\", but {field}.address is IPv{family}");
            }
        }

        foreach (var (route, i) in Array(prev, "routes"))
        {
            var field = $"prevResult.routes[{i}]";
            RequireObject(route, field);
            _ = Cidr(route, "dst", field) ?? throw Bad($"{field}.dst", "is required");
            Ip(route, "gw", field);
            foreach (var number in (string[])["mtu", "advmss", "priority", "table", "scope"])
            {
                Integer(route, number, field);
            }
        }

        if (prev.TryGetProperty("dns", out var dns) && dns.ValueKind != JsonValueKind.Null)
        {
            RequireObject(dns, "prevResult.dns");
            String(dns, "domain", "prevResult.dns");
            foreach (var list in (string[])["nameservers", "search", "options"])
            {
                foreach (var (item, i) in Array(dns, list, "prevResult.dns"))
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        throw Bad($"prevResult.dns.{list}[{i}]", $"is a JSON {Kind(item)}, not a string");
                    }
                }
            }
        }
    }

    private static IEnumerable<(JsonElement Item, int Index)> Array(JsonElement parent, string name, string owner = "prevResult")
    {
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        return array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select((item, i) => (item, i))
            : throw Bad($"{owner}.{name}", $"is a JSON {Kind(array)}, not an array");
    }

    private static void RequireObject(JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Bad(field, $"is a JSON {Kind(element)}, not an object");
        }
    }

    private static string? String(JsonElement parent, string name, string owner)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Bad($"{owner}.{name}", $"is a JSON {Kind(value)}, not a string");
    }

    private static long? Integer(JsonElement parent, string name, string owner)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw Bad($"{owner}.{name}", $"is {value.GetRawText()}, not an integer");
    }

    private static IPAddress? Cidr(JsonElement parent, string name, string owner)
    {
        // Hosts bits may be set ("10.244.1.7/24" is an address with its prefix): parse the address and length apart.
        if (String(parent, name, owner) is not { } text)
        {
            return null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0 && StrictIp(text[..slash]) is { } address
            && int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            && length <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
        {
            return address;
        }

        throw Bad($"{owner}.{name}", $"\"{text}\" is not an address with a prefix length (CIDR)");
    }

    private static void Ip(JsonElement parent, string name, string owner)
    {
        if (String(parent, name, owner) is { } text && StrictIp(text) is null)
        {
            throw Bad($"{owner}.{name}", $"\"{text}\" is not an IP address");
        }
    }

    /// <summary>
    /// An address as Go's net.ParseIP reads it: IPv4 in four dotted decimals or IPv6, not the inet_aton shorthands
    /// ("10.244.1", "167772161") that <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> also takes.
    /// </summary>
    private static IPAddress? StrictIp(string text) =>
        IPAddress.TryParse(text, out var address)
        && (text.Contains(':', StringComparison.Ordinal) || text.Count(c => c == '.') == 3)
            ? address
            : null;

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    private static CniException Bad(string field, string problem) =>
        new(CniErrorCode.DecodingFailure, "error decoding prevResult", $"{field} {problem}");
}
