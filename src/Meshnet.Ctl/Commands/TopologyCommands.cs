using System.CommandLine;
using System.Globalization;
using Meshnet.Model;
using Meshnet.Store;

namespace Meshnet.Ctl.Commands;

/// <summary>
/// <c>meshnetctl apply|get|delete</c>: manage Topologies in the store the way kubectl does in a cluster, so a node
/// daemon on the embedded store can be driven exactly like one on Kubernetes.
/// </summary>
internal static class TopologyCommands
{
    public static IEnumerable<Command> Create(Option<string> storeOption)
    {
        yield return Apply(storeOption);
        yield return Get(storeOption);
        yield return Delete(storeOption);
    }

    private static Option<string> NamespaceOption() => new("--namespace", "-n") { Description = "Namespace (default: \"default\")", DefaultValueFactory = _ => "default" };

    private static Command Apply(Option<string> storeOption)
    {
        var file = new Option<string>("--filename", "-f") { Description = "Topology YAML", Required = true };
        var ns = NamespaceOption();
        var cmd = new Command("apply", "Create or update Topologies from a file (kubectl apply -f)") { file, ns };
        cmd.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            IReadOnlyList<Topology> topologies;
            try
            {
                topologies = TopologyParser.ParseYaml(await File.ReadAllTextAsync(path, ct), parse.GetValue(ns)!, path);
            }
            catch (Exception e) when (e is TopologyParseException or IOException or UnauthorizedAccessException)
            {
                return LabCommands.Fail(e.Message);
            }

            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);

            // Validate against what the store already holds in the same namespaces: a new end must agree with its peer.
            var merged = new Dictionary<PodKey, Topology>();
            foreach (var n in topologies.Select(t => t.Namespace).Distinct())
            {
                foreach (var t in (await store.ListAsync(n, ct)).Items)
                {
                    merged[t.Key] = t;
                }
            }

            foreach (var t in topologies)
            {
                merged[t.Key] = t;
            }

            var result = TopologyValidator.Validate(merged.Values.ToList());
            if (!result.IsValid)
            {
                return LabCommands.Fail($"{path}: invalid topology:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Errors));
            }

            foreach (var t in topologies)
            {
                var before = await store.GetAsync(t.Key, ct);
                var after = await store.ApplyAsync(t with { ResourceVersion = null }, ct);
                var verb = before is null ? "created" : before.ResourceVersion == after.ResourceVersion ? "unchanged" : "configured";
                Console.WriteLine($"topology.networkop.co.uk/{t.Name} {verb}");
            }

            return 0;
        });
        return cmd;
    }

    private static Command Get(Option<string> storeOption)
    {
        var names = new Argument<string[]>("NAME") { Arity = ArgumentArity.ZeroOrMore };
        var ns = NamespaceOption();
        var all = new Option<bool>("--all-namespaces", "-A");
        var output = new Option<string>("--output", "-o") { Description = "table (default), yaml or json", DefaultValueFactory = _ => "table" };
        var cmd = new Command("get", "List Topologies and their status (kubectl get topo)") { names, ns, all, output };
        cmd.SetAction(async (parse, ct) =>
        {
            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            var wanted = parse.GetValue(names) ?? [];
            var items = (await store.ListAsync(parse.GetValue(all) ? null : parse.GetValue(ns), ct)).Items
                .Where(t => wanted.Length == 0 || wanted.Contains(t.Name))
                .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)
                .ToList();
            var missing = wanted.Where(w => items.All(t => t.Name != w)).ToList();
            foreach (var m in missing)
            {
                Console.Error.WriteLine($"Error from server (NotFound): topologies.networkop.co.uk \"{m}\" not found");
            }

            switch (parse.GetValue(output))
            {
                case "yaml":
                    Console.Write(TopologyParser.ToYaml(items));
                    break;
                case "json":
                    Console.WriteLine(TopologyJson.SerializeList(items, indented: true));
                    break;
                default:
                    TextTable.Write(Console.Out, ["NAMESPACE", "NAME", "NODE", "SRC_IP", "LINKS", "UP", "PENDING", "ERROR"],
                        items.Select(t => new[]
                        {
                            t.Namespace, t.Name, Dash(t.Status.NodeName), Dash(t.Status.SrcIp),
                            t.Spec.Links.Count.ToString(CultureInfo.InvariantCulture),
                            t.Status.Links.Count(l => l.State == LinkState.Up).ToString(CultureInfo.InvariantCulture),
                            t.Status.Links.Count(l => l.State == LinkState.Pending).ToString(CultureInfo.InvariantCulture),
                            Dash(t.Status.PlumbingError),
                        }));
                    break;
            }

            return missing.Count == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static Command Delete(Option<string> storeOption)
    {
        var names = new Argument<string[]>("NAME") { Arity = ArgumentArity.ZeroOrMore };
        var file = new Option<string?>("--filename", "-f") { Description = "Delete the Topologies a file declares" };
        var ns = NamespaceOption();
        var cmd = new Command("delete", "Delete Topologies (kubectl delete topo)") { names, file, ns };
        cmd.SetAction(async (parse, ct) =>
        {
            var keys = (parse.GetValue(names) ?? []).Select(n => new PodKey(parse.GetValue(ns)!, n)).ToList();
            if (parse.GetValue(file) is { } path)
            {
                try
                {
                    keys.AddRange(TopologyParser.ParseYaml(await File.ReadAllTextAsync(path, ct), parse.GetValue(ns)!, path).Select(t => t.Key));
                }
                catch (Exception e) when (e is TopologyParseException or IOException)
                {
                    return LabCommands.Fail(e.Message);
                }
            }

            if (keys.Count == 0)
            {
                return LabCommands.Fail("name the Topologies to delete, or give -f FILE");
            }

            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            var code = 0;
            foreach (var key in keys)
            {
                if (await store.DeleteAsync(key, ct))
                {
                    Console.WriteLine($"topology.networkop.co.uk \"{key.Name}\" deleted");
                }
                else
                {
                    Console.Error.WriteLine($"Error from server (NotFound): topologies.networkop.co.uk \"{key.Name}\" not found");
                    code = 1;
                }
            }

            return code;
        });
        return cmd;
    }

    private static string Dash(string? s) => string.IsNullOrEmpty(s) ? "-" : s;
}
