using System.Text.Json.Nodes;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>What one execution of the plugin produced.</summary>
public sealed record PluginResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>stdout as JSON (every CNI output except an empty success is a JSON object).</summary>
    public JsonObject Json => JsonNode.Parse(Stdout) as JsonObject
        ?? throw new InvalidOperationException($"stdout is not a JSON object: '{Stdout}' (stderr: {Stderr})");

    /// <summary>The spec's error code, after checking that this is an error as the spec shapes it.</summary>
    public uint ErrorCode
    {
        get
        {
            if (ExitCode != 1)
            {
                throw new InvalidOperationException($"expected exit code 1, got {ExitCode}: {Stdout}{Stderr}");
            }
            return Json["code"]!.GetValue<uint>();
        }
    }

    public string ErrorMessage => Json["msg"]!.GetValue<string>();

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
