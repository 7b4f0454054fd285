using System.Text.Encodings.Web;
using System.Text.Json;

namespace Meshnet.Cni.Spec;

/// <summary>Everything the plugin prints on stdout: results, errors and version info, as the spec shapes them.</summary>
internal static class CniOutput
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        // Messages carry paths and quotes; keep them readable in the runtime's logs. The output is never HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>VERSION: <c>{"cniVersion": latest, "supportedVersions": [...]}</c>.</summary>
    public static void WriteVersionInfo(Stream stdout)
    {
        using var writer = new Utf8JsonWriter(stdout, Options);
        writer.WriteStartObject();
        writer.WriteString("cniVersion", SpecVersion.Latest);
        writer.WriteStartArray("supportedVersions");
        foreach (string version in SpecVersion.Supported)
        {
            writer.WriteStringValue(version);
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// The error object: <c>{"cniVersion", "code", "msg", "details"}</c>. <paramref name="cniVersion"/> is the
    /// config's when we speak it, else our latest, so that the runtime can always decode it.
    /// </summary>
    public static void WriteError(Stream stdout, string? cniVersion, CniException error)
    {
        using var writer = new Utf8JsonWriter(stdout, Options);
        writer.WriteStartObject();
        writer.WriteString("cniVersion", cniVersion is not null && SpecVersion.IsSupported(cniVersion) ? cniVersion : SpecVersion.Latest);
        writer.WriteNumber("code", error.Code);
        writer.WriteString("msg", error.Message);
        if (error.Details.Length > 0)
        {
            writer.WriteString("details", error.Details);
        }
        writer.WriteEndObject();
    }

    /// <summary>
    /// ADD's result for a plugin chained last that adds no interface or address of its own: the previous result,
    /// exactly as received. Without a previous result (meshnet run on its own) the result is the smallest valid one.
    /// </summary>
    public static void WritePassThroughResult(Stream stdout, NetworkConfig config)
    {
        if (config.PrevResult is not { } prev || prev.ValueKind == JsonValueKind.Null)
        {
            using var writer = new Utf8JsonWriter(stdout, Options);
            writer.WriteStartObject();
            writer.WriteString("cniVersion", config.EffectiveCniVersion);
            writer.WriteStartArray("interfaces");
            writer.WriteEndArray();
            writer.WriteStartArray("ips");
            writer.WriteEndArray();
            writer.WriteEndObject();
            return;
        }
        if (prev.ValueKind != JsonValueKind.Object)
        {
            throw new CniException(CniErrorCode.DecodingFailure, "prevResult is not a JSON object");
        }
        if (prev.TryGetProperty("cniVersion", out _))
        {
            // Byte for byte what the runtime gave us.
            stdout.Write(System.Text.Encoding.UTF8.GetBytes(prev.GetRawText()));
            return;
        }
        // libcni always stamps prevResult with the config's version; a hand-made one may lack it, and a result
        // without cniVersion is not a result. Add it, keep everything else as it was.
        using var stamped = new Utf8JsonWriter(stdout, Options);
        stamped.WriteStartObject();
        stamped.WriteString("cniVersion", config.EffectiveCniVersion);
        foreach (var property in prev.EnumerateObject())
        {
            property.WriteTo(stamped);
        }
        stamped.WriteEndObject();
    }
}
