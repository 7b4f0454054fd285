using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Meshnet.Ctl.Lab;
using Meshnet.Engine;
using Meshnet.Netlink;
using Meshnet.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Meshnet.Ctl.Commands;

/// <summary><c>meshnetctl lab up|down|inspect|exec</c>: single-machine labs on the embedded store.</summary>
internal static class LabCommands
{
    public static Command Create(Option<string> storeOption)
    {
        var lab = new Command("lab", "Run a lab on this machine: one network namespace per pod, links plumbed by meshnet");
        lab.Subcommands.Add(Up(storeOption));
        lab.Subcommands.Add(Down(storeOption));
        lab.Subcommands.Add(Inspect(storeOption));
        lab.Subcommands.Add(Exec(storeOption));
        return lab;
    }

    private static Command Up(Option<string> storeOption)
    {
        var file = new Argument<string>("FILE") { Description = "Topology YAML (as kubectl apply takes it)" };
        var name = new Option<string>("--name") { Description = "Lab name (a DNS label); also the store namespace", Required = true };
        var nodeNetNs = new Option<string?>("--node-netns") { Description = "Named network namespace that plays the node (macvlan parents live there); default: this machine's" };
        var nodes = new Option<int>("--nodes") { Description = "Emulate N nodes (namespaces on an underlay bridge, one meshnetd each); pods are spread round-robin", DefaultValueFactory = _ => 1 };
        var linkType = new Option<string>("--link-type") { Description = "How links between pods on different nodes are carried: vxlan or grpc (INTER_NODE_LINK_TYPE of the nodes' daemons)", DefaultValueFactory = _ => "vxlan" };
        var cmd = new Command("up", "Create or converge a lab from FILE") { file, name, nodeNetNs, nodes, linkType };
        cmd.SetAction(async (parse, ct) =>
        {
            var labName = parse.GetValue(name)!;
            if (LabNames.ValidateLabName(labName) is { } bad)
            {
                return Fail(bad);
            }

            IReadOnlyList<Model.Topology> topologies;
            try
            {
                topologies = LabFile.Load(parse.GetValue(file)!, labName);
            }
            catch (LabFileException e)
            {
                return Fail(e.Message);
            }

            var nodeNs = parse.GetValue(nodeNetNs) is { Length: > 0 } n ? NetNs.PathOf(n) : "";
            if (nodeNs.Length > 0 && !File.Exists(nodeNs))
            {
                return Fail($"--node-netns: namespace {parse.GetValue(nodeNetNs)} does not exist");
            }

            var nodeCount = parse.GetValue(nodes);
            if (nodeCount is < 1 or > 64)
            {
                return Fail($"--nodes: {nodeCount} is not between 1 and 64");
            }

            if (parse.GetValue(linkType) is not ("vxlan" or "grpc"))
            {
                return Fail($"--link-type: \"{parse.GetValue(linkType)}\" is not supported (supported: vxlan, grpc)");
            }

            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            using var lease = LabLock.Acquire(labName);
            if (nodeCount > 1)
            {
                try
                {
                    var multi = new MultiNodeLabRunner(store, parse.GetValue(storeOption)!, Console.Out);
                    var outcome = await multi.UpAsync(labName, topologies, nodeCount, parse.GetValue(linkType)!, ct);
                    return outcome.Failed == 0 ? 0 : 1;
                }
                catch (LabFileException e)
                {
                    return Fail(e.Message);
                }
            }

            var runner = new LabRunner(store, new LinkEngine(NullLogger<LinkEngine>.Instance), Console.Out, new LabOptions(NodeNetNs: nodeNs));
            var result = await runner.UpAsync(labName, topologies, ct);
            return result.Failed == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static Command Down(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var cmd = new Command("down", "Remove every namespace, link and store object of a lab") { name };
        cmd.SetAction(async (parse, ct) =>
        {
            var labName = parse.GetValue(name)!;
            if (LabNames.ValidateLabName(labName) is { } bad)
            {
                return Fail(bad);
            }

            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            using var lease = LabLock.Acquire(labName);
            // Daemons first, so none of them reacts to the pods going away.
            await new MultiNodeLabRunner(store, parse.GetValue(storeOption)!, Console.Out).DownAsync(labName, ct);
            await new LabRunner(store, new LinkEngine(NullLogger<LinkEngine>.Instance), Console.Out, new LabOptions()).DownAsync(labName, ct);
            return 0;
        });
        return cmd;
    }

    private static Command Inspect(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var cmd = new Command("inspect", "Show pods, interfaces, peers, addresses, MTU and link state") { name, json };
        cmd.SetAction(async (parse, ct) =>
        {
            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            var ends = await LabInspector.InspectAsync(store, parse.GetValue(name)!, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(ends, InspectJsonContext.Default.IReadOnlyListInspectedEnd));
                return 0;
            }

            if (ends.Count == 0)
            {
                Console.Error.WriteLine($"lab {parse.GetValue(name)}: no pods");
                return 1;
            }

            TextTable.Write(Console.Out,
                ["POD", "NODE", "INTERFACE", "PEER", "UID", "ADDRESSES", "MTU", "MAC", "TRANSPORT", "FRAMES TX/RX (DROPS)", "STATE"],
                ends.Select(e => new[]
                {
                    e.Pod, e.Node ?? "-", e.Interface, e.Peer, e.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    e.Addresses.Count == 0 ? "-" : string.Join(",", e.Addresses),
                    e.Mtu?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", e.Mac ?? "-", e.Transport,
                    e.Counters is { } c ? FormattableString.Invariant($"{c.TxFrames}/{c.RxFrames} ({c.TxDrops}/{c.RxDrops})") : "-",
                    e.Error is null ? e.State : $"{e.State}: {e.Error}",
                }));
            return 0;
        });
        return cmd;
    }

    private static Command Exec(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var pod = new Argument<string>("POD");
        var command = new Argument<string[]>("COMMAND") { Description = "Command and arguments, after --", Arity = ArgumentArity.OneOrMore };
        var cmd = new Command("exec", "Run a command inside a pod's network namespace: lab exec LAB POD -- CMD ARGS...") { name, pod, command };
        cmd.SetAction(parse =>
        {
            var nsName = LabNames.NetNsName(parse.GetValue(name)!, parse.GetValue(pod)!);
            if (!NetNs.Exists(nsName))
            {
                return Fail($"lab {parse.GetValue(name)}: pod {parse.GetValue(pod)} is not running (no namespace {nsName})");
            }

            var argv = parse.GetValue(command)!;
            using var ns = NetNs.Open(nsName);
            // The child is forked from a thread that sits in the pod's namespace, so it starts there.
            return ns.Run(() =>
            {
                var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false };
                foreach (var a in argv.Skip(1))
                {
                    psi.ArgumentList.Add(a);
                }

                try
                {
                    using var p = Process.Start(psi)!;
                    p.WaitForExit();
                    return p.ExitCode;
                }
                catch (System.ComponentModel.Win32Exception e)
                {
                    return Fail($"{argv[0]}: {e.Message}", 127);
                }
            });
        });
        return cmd;
    }

    internal static int Fail(string message, int code = 2)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
