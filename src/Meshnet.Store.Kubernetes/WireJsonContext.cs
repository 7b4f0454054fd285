using System.Text.Json.Serialization;
using k8s.Models;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Source-generated JSON for the Kubernetes types the store writes itself. Kubernetes models carry their own
/// camelCase property names; nulls are left out as the API server's own encoder does.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(string))]
// Free-form members of the client's models (e.g. managedFields[].fieldsV1, typed object) hold what the server sent.
[JsonSerializable(typeof(System.Text.Json.JsonElement))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(GWireKObj))]
[JsonSerializable(typeof(GWireKObjList))]
[JsonSerializable(typeof(GrpcWireItem))]
public sealed partial class WireJsonContext : JsonSerializerContext;
