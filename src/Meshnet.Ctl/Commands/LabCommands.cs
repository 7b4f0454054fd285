using System.CommandLine;
using System.Text.Json;
using Meshnet.Ctl.Lab;
using Meshnet.Ctl.Lab.Check;
using Meshnet.Ctl.Lab.Containers;
using Meshnet.Ctl.Lab.Graph;
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
        lab.Subcommands.Add(Logs());
        lab.Subcommands.Add(Check(storeOption));
        lab.Subcommands.Add(Graph(storeOption));
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

            LabDefinition definition;
            try
            {
                definition = LabFile.Read(parse.GetValue(file)!, labName);
            }
            catch (LabFileException e)
            {
                return Fail(e.Message);
            }

            foreach (var line in definition.SkippedLines(labName))
            {
                Console.WriteLine(line);
            }

            var topologies = definition.Topologies;

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
            LabUpResult result;
            if (nodeCount > 1)
            {
                try
                {
                    var multi = new MultiNodeLabRunner(store, parse.GetValue(storeOption)!, Console.Out);
                    result = await multi.UpAsync(labName, topologies, nodeCount, parse.GetValue(linkType)!, ct);
                }
                catch (LabFileException e)
                {
                    return Fail(e.Message);
                }
            }
            else
            {
                var runner = new LabRunner(store, new LinkEngine(NullLogger<LinkEngine>.Instance), Console.Out, new LabOptions(NodeNetNs: nodeNs));
                result = await runner.UpAsync(labName, topologies, ct);
            }

            // Containers start once their pod's links exist, so nothing inside waits for its interfaces.
            var containerFailures = await new LabContainers(ContainerEngine.Find(), Console.Out).UpAsync(labName, definition, ct);
            return result.Failed == 0 && containerFailures == 0 ? 0 : 1;
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
            await new LabContainers(ContainerEngine.Find(), Console.Out).DownAsync(labName, ct);
            // Daemons first, so none of them reacts to the pods going away.
            await new MultiNodeLabRunner(store, parse.GetValue(storeOption)!, Console.Out).DownAsync(labName, ct);
            await new LabRunner(store, new LinkEngine(NullLogger<LinkEngine>.Instance), Console.Out, new LabOptions()).DownAsync(labName, ct);
            lease.RemoveOnRelease = true;
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

            if (ends.Count == 0 && (await store.ListAsync(parse.GetValue(name)!, ct)).Items.Count == 0)
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
            var nodes = new EmulatedNodes(parse.GetValue(name)!);
            if (nodes.Existing() is { Count: > 0 } nodeIndexes)
            {
                var daemons = new NodeDaemons(parse.GetValue(name)!, parse.GetValue(storeOption)!, nodes);
                Console.WriteLine();
                TextTable.Write(Console.Out, ["NODE", "NAMESPACE", "ADDRESS", "DAEMON"], nodeIndexes.Select(i => new[]
                {
                    nodes.NodeName(i), nodes.NodeNs(i), EmulatedNodes.NodeAddress(i).ToString(),
                    daemons.RunningPid(i) is { } pid ? $"running (pid {pid})" : "NOT RUNNING (lab up restarts it)",
                }));
            }

            if (ContainerEngine.Find() is { } engine && await ListOrWarnAsync(engine, parse.GetValue(name)!, ct) is { Count: > 0 } containers)
            {
                Console.WriteLine();
                TextTable.Write(Console.Out, ["POD", "CONTAINER", "IMAGE", "STATE", "STATUS"], containers.Select(c => new[]
                {
                    c.Pod, c.Init ? $"{c.Container} (init)" : c.Container, c.Image, c.State, c.Status,
                }));
            }

            return 0;
        });
        return cmd;
    }

    private static Command Exec(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var pod = new Argument<string>("POD");
        var command = new Argument<string[]>("COMMAND") { Description = "Command and arguments, after --", Arity = ArgumentArity.OneOrMore };
        var container = new Option<string?>("--container", "-c") { Description = "Container to run in (default: the pod's first container)" };
        var stdin = new Option<bool>("--stdin", "-i") { Description = "Pass stdin to the container (a pod without containers always gets it)" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the command in the container a terminal" };
        var cmd = new Command("exec", "Run a command in a pod: in its first container (as kubectl exec), or in its network namespace as ip netns exec does when it has none")
        {
            name, pod, command, container, stdin, tty,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            var (labName, podName, argv) = (parse.GetValue(name)!, parse.GetValue(pod)!, parse.GetValue(command)!);
            var nsName = LabNames.NetNsName(labName, podName);
            if (!NetNs.Exists(nsName))
            {
                return Fail($"lab {labName}: pod {podName} is not running (no namespace {nsName})");
            }

            var engine = ContainerEngine.Find();
            var wanted = parse.GetValue(container);
            try
            {
                var containers = engine is null ? [] : (await engine.ListAsync(labName, podName, ct)).Where(c => !c.Init).ToList();
                if (containers.Count == 0)
                {
                    if (wanted is not null)
                    {
                        return Fail($"lab {labName}: pod {podName} has no containers{(engine is null ? " (no container engine on this machine)" : "")}; -c {wanted} cannot be used");
                    }

                    NetNsExec.Exec(nsName, argv);
                }
                else
                {
                    var target = wanted is null ? containers[0] : containers.FirstOrDefault(c => c.Container == wanted);
                    if (target is null)
                    {
                        return Fail($"lab {labName}: pod {podName} has no container {wanted} (it has {string.Join(", ", containers.Select(c => c.Container))})");
                    }

                    NetNsExec.Replace(engine!.ExecArguments(target.Name, parse.GetValue(stdin), parse.GetValue(tty), argv));
                }
            }
            catch (NetlinkException e) when (e.Operation == "exec")
            {
                return Fail(e.Message, e.Errno == 2 ? 127 : 126);
            }
            catch (ContainerEngineException e)
            {
                return Fail(e.Message);
            }

            return 0; // not reached: the process became the command
        });
        return cmd;
    }

    private static Command Logs()
    {
        var name = new Argument<string>("LAB");
        var pod = new Argument<string>("POD");
        var container = new Option<string?>("--container", "-c") { Description = "Container (default: the pod's first container)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output" };
        var cmd = new Command("logs", "Print the output of a pod's container") { name, pod, container, follow };
        cmd.SetAction(async (parse, ct) =>
        {
            var (labName, podName) = (parse.GetValue(name)!, parse.GetValue(pod)!);
            var engine = ContainerEngine.Find();
            if (engine is null)
            {
                return Fail("no container engine (podman) on this machine: labs run without containers, so there are no logs");
            }

            IReadOnlyList<LabContainer> containers;
            try
            {
                containers = await engine.ListAsync(labName, podName, ct);
            }
            catch (ContainerEngineException e)
            {
                return Fail(e.Message);
            }

            var wanted = parse.GetValue(container);
            var target = wanted is null ? containers.FirstOrDefault(c => !c.Init) : containers.FirstOrDefault(c => c.Container == wanted);
            if (target is null)
            {
                return Fail(containers.Count == 0
                    ? $"lab {labName}: pod {podName} has no containers"
                    : $"lab {labName}: pod {podName} has no container {wanted} (it has {string.Join(", ", containers.Select(c => c.Container))})");
            }

            NetNsExec.Replace(engine.LogsArguments(target.Name, parse.GetValue(follow)));
            return 0;
        });
        return cmd;
    }

    private static Command Check(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer", DefaultValueFactory = _ => 2 };
        var cmd = new Command("check", "Prove every link end to end: an ICMP echo each way where both ends have addresses, a probe frame each way where not") { name, timeout };
        cmd.SetAction(async (parse, ct) =>
        {
            var labName = parse.GetValue(name)!;
            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            if ((await store.ListAsync(labName, ct)).Items.Count == 0)
            {
                return Fail($"lab {labName}: no pods");
            }

            var checks = await LinkChecker.CheckAsync(store, labName, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            TextTable.Write(Console.Out, ["LINK", "ENDS", "TRANSPORT", "CHECK", "RTT", "RESULT"], checks.Select(c => new[]
            {
                c.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{c.EndA} <-> {c.EndB}", c.Transport, c.Method, c.RttText, c.ResultText,
            }));
            var failed = checks.Count(c => c.Outcome == Outcome.Failed);
            Console.WriteLine($"lab {labName}: {checks.Count(c => c.Outcome == Outcome.Ok)} links ok, {failed} failed, {checks.Count(c => c.Outcome == Outcome.Skipped)} not checked");
            return failed == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static Command Graph(Option<string> storeOption)
    {
        var name = new Argument<string>("LAB");
        var format = new Option<string>("--format") { Description = "mermaid, dot or html (one self-contained page)", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot", "html");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of stdout" };
        var cmd = new Command("graph", "Draw the lab: pods grouped by node, links labelled with interfaces and addresses, coloured by state") { name, format, output };
        cmd.SetAction(async (parse, ct) =>
        {
            var labName = parse.GetValue(name)!;
            await using var store = await StoreFactory.OpenSqliteAsync(parse.GetValue(storeOption)!, ct);
            var graph = await LabGraph.BuildAsync(store, labName, ct);
            if (graph.Pods.Count == 0)
            {
                return Fail($"lab {labName}: no pods");
            }

            var text = parse.GetValue(format) switch
            {
                "dot" => GraphRenderers.Dot(graph),
                "html" => GraphRenderers.Html(graph),
                _ => GraphRenderers.Mermaid(graph),
            };
            if (parse.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, text, ct);
            }
            else
            {
                Console.Write(text);
            }

            return 0;
        });
        return cmd;
    }

    private static async Task<IReadOnlyList<LabContainer>> ListOrWarnAsync(ContainerEngine engine, string lab, CancellationToken ct)
    {
        try
        {
            return await engine.ListAsync(lab, null, ct);
        }
        catch (ContainerEngineException e)
        {
            Console.Error.WriteLine($"warning: containers unknown: {e.Message}");
            return [];
        }
    }

    internal static int Fail(string message, int code = 2)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
