using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Meshnet.Model;

namespace Meshnet.Ctl.Lab.Containers;

/// <summary>
/// Runs a lab pod's containers with Podman (daemonless, runs as root, joins an existing network namespace): each
/// container is <c>mn.LAB.POD.NAME</c>, labelled with its lab, pod, place in the pod and a hash of what it was made
/// from, so that <c>lab up</c> can leave an unchanged container running and replace a changed one, and
/// <c>exec</c>, <c>logs</c>, <c>inspect</c> and <c>down</c> find them without a store of their own.
/// </summary>
internal sealed class ContainerEngine(string podman)
{
    public const string LabLabel = "meshnet.networkop.co.uk/lab";
    public const string PodLabel = "meshnet.networkop.co.uk/pod";
    public const string ContainerLabel = "meshnet.networkop.co.uk/container";
    public const string IndexLabel = "meshnet.networkop.co.uk/index";
    public const string SpecLabel = "meshnet.networkop.co.uk/spec";

    /// <summary>Set to <c>none</c> to run labs without containers, or to the path of a podman binary.</summary>
    public const string EngineVariable = "MESHNET_CONTAINER_ENGINE";

    public string Program { get; } = podman;

    /// <summary>Podman from <see cref="EngineVariable"/> or PATH; null when there is none.</summary>
    public static ContainerEngine? Find()
    {
        var configured = Environment.GetEnvironmentVariable(EngineVariable);
        if (configured == "none")
        {
            return null;
        }

        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? new ContainerEngine(configured) : null;
        }

        var found = (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "podman")).FirstOrDefault(File.Exists);
        return found is null ? null : new ContainerEngine(found);
    }

    public static string ContainerName(string lab, string pod, string container) => $"{LabNames.NetNsName(lab, pod)}.{container}";

    /// <summary>Every container of the lab (or of one pod), in pod order then the pod's own order (init containers first).</summary>
    public async Task<IReadOnlyList<LabContainer>> ListAsync(string lab, string? pod, CancellationToken ct)
    {
        List<string> args = ["ps", "-a", "--format", "json", "--filter", $"label={LabLabel}={lab}"];
        if (pod is not null)
        {
            args.AddRange(["--filter", $"label={PodLabel}={pod}"]);
        }

        var result = await RunAsync(args, ct);
        if (result.ExitCode != 0)
        {
            throw new ContainerEngineException($"podman ps: {result.Stderr.Trim()}");
        }

        using var json = JsonDocument.Parse(result.Stdout.Length == 0 ? "[]" : result.Stdout);
        return json.RootElement.EnumerateArray().Select(Parse)
            .OrderBy(c => c.Pod, StringComparer.Ordinal).ThenBy(c => c.Index).ToList();
    }

    /// <summary>
    /// Brings the pod's containers to what <paramref name="pod"/> declares, inside the network namespace at
    /// <paramref name="netNsPath"/> (whose links exist already): unchanged running containers stay, the rest are
    /// replaced; init containers run first, one after another, each to a successful end. Returns how many
    /// containers were started.
    /// </summary>
    public async Task<int> ApplyPodAsync(string lab, PodDeclaration pod, string netNsPath, CancellationToken ct)
    {
        var existing = (await ListAsync(lab, pod.Name, ct)).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var nsIdentity = NamespaceIdentity(netNsPath);
        var wanted = pod.InitContainers.Select((c, i) => (Spec: c, Init: true, Index: i))
            .Concat(pod.Containers.Select((c, i) => (Spec: c, Init: false, Index: pod.InitContainers.Count + i)))
            .Select(w => (w.Spec, w.Init, w.Index, Name: ContainerName(lab, pod.Name, w.Spec.Name), Hash: SpecHash(w.Spec, w.Init, nsIdentity)))
            .ToList();

        var stale = existing.Values.Where(c => wanted.All(w => w.Name != c.Name || w.Hash != c.SpecHash)).ToList();
        // A changed init container means the pod starts over, as when Kubernetes recreates a pod.
        var restart = wanted.Any(w => w.Init && !(existing.TryGetValue(w.Name, out var c) && c.SpecHash == w.Hash && c.ExitCode == 0 && c.State == "exited"));
        if (restart && pod.InitContainers.Count > 0)
        {
            stale = [.. existing.Values];
        }

        await RemoveAsync(stale.Select(c => c.Id), ct);
        var kept = existing.Values.Except(stale).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var started = 0;
        foreach (var w in wanted)
        {
            if (kept.TryGetValue(w.Name, out var have) && (w.Init || have.State == "running"))
            {
                continue;
            }

            if (have is not null)
            {
                await RemoveAsync([have.Id], ct); // stopped or crashed: start it afresh
            }

            var run = await RunAsync(RunArguments(lab, pod, w.Spec, w.Init, w.Index, w.Hash, netNsPath), ct);
            if (run.ExitCode != 0)
            {
                throw new ContainerEngineException(
                    $"{pod.Name}: {(w.Init ? "init container" : "container")} {w.Spec.Name} ({w.Spec.Image}) did not {(w.Init ? "complete" : "start")}: {LastLine(run.Stderr)}");
            }

            started++;
        }

        return started;
    }

    /// <summary>Removes the containers of the lab's pods that are not in <paramref name="keep"/> (all of them when empty).</summary>
    public async Task<int> RemoveLabAsync(string lab, IReadOnlySet<string> keep, CancellationToken ct)
    {
        var gone = (await ListAsync(lab, null, ct)).Where(c => !keep.Contains(c.Pod)).ToList();
        await RemoveAsync(gone.Select(c => c.Id), ct);
        return gone.Count;
    }

    /// <summary>argv that replaces this process with <c>podman exec</c> in the container.</summary>
    public IReadOnlyList<string> ExecArguments(string container, bool stdin, bool tty, IReadOnlyList<string> command) =>
        [Program, "exec", .. stdin ? ["-i"] : Array.Empty<string>(), .. tty ? ["-t"] : Array.Empty<string>(), container, .. command];

    public IReadOnlyList<string> LogsArguments(string container, bool follow) =>
        [Program, "logs", .. follow ? ["-f"] : Array.Empty<string>(), container];

    private List<string> RunArguments(string lab, PodDeclaration pod, ContainerDeclaration c, bool init, int index, string hash, string netNsPath)
    {
        List<string> args = [.. GlobalArguments(), "run", init ? "--rm=false" : "-d",
            "--name", ContainerName(lab, pod.Name, c.Name),
            "--network", $"ns:{netNsPath}",
            "--hostname", pod.Name,
            "--pull", c.EffectivePullPolicy switch { "Always" => "always", "Never" => "never", _ => "missing" },
            "--label", $"{LabLabel}={lab}", "--label", $"{PodLabel}={pod.Name}", "--label", $"{ContainerLabel}={c.Name}",
            "--label", $"{IndexLabel}={index.ToString(CultureInfo.InvariantCulture)}{(init ? "i" : "")}", "--label", $"{SpecLabel}={hash}",
            .. Limits()];
        if (c.Privileged)
        {
            args.Add("--privileged");
        }

        args.AddRange(KubernetesDefaultCapabilities(c).Concat(c.CapabilitiesAdd).SelectMany(cap => new[] { "--cap-add", cap }));
        args.AddRange(c.CapabilitiesDrop.SelectMany(cap => new[] { "--cap-drop", cap }));
        args.AddRange(c.Env.SelectMany(e => new[] { "--env", $"{e.Key}={e.Value}" }));
        if (!string.IsNullOrEmpty(c.WorkingDir))
        {
            args.AddRange(["--workdir", c.WorkingDir]);
        }

        // Kubernetes: command replaces the image's ENTRYPOINT (and drops its CMD), args replace its CMD.
        if (c.Command is { } command)
        {
            args.AddRange(["--entrypoint", JsonSerializer.Serialize(command, ContainerJsonContext.Default.IReadOnlyListString)]);
        }

        args.Add(c.Image);
        args.AddRange(c.Args ?? []);
        return args;
    }

    /// <summary>
    /// Kubernetes' runtimes (containerd, CRI-O) give a container NET_RAW, MKNOD and AUDIT_WRITE by default, podman does
    /// not: without NET_RAW a pod's <c>ping</c> would fail in a lab and work on a cluster. Added unless the pod drops them.
    /// </summary>
    private static IEnumerable<string> KubernetesDefaultCapabilities(ContainerDeclaration c)
    {
        var dropped = c.CapabilitiesDrop.Select(d => d.StartsWith("CAP_", StringComparison.Ordinal) ? d[4..] : d).ToHashSet(StringComparer.Ordinal);
        return dropped.Contains("ALL") ? [] : new[] { "NET_RAW", "MKNOD", "AUDIT_WRITE" }.Where(cap => !dropped.Contains(cap));
    }

    /// <summary>
    /// crun refuses hosts with a hybrid cgroup hierarchy (v1 controllers beside a v2 mount); runc runs there, so it is
    /// chosen on such a host when it is installed.
    /// </summary>
    private static IEnumerable<string> GlobalArguments() =>
        Directory.Exists("/sys/fs/cgroup/unified") && File.Exists("/usr/sbin/runc") ? ["--runtime", "runc"] : [];

    /// <summary>
    /// Rootful podman raises a container's open-file and process limits to 1048576 and more, which fails where the
    /// runtime lacks CAP_SYS_RESOURCE (a sandboxed or nested host). A lab's containers get the open-file limit
    /// meshnetctl runs with and at most 32768 processes, which such runtimes can keep.
    /// </summary>
    private static IEnumerable<string> Limits()
    {
        var nofile = SoftLimit("Max open files") ?? 1024;
        var nproc = Math.Min(SoftLimit("Max processes") ?? 32768, 32768);
        return ["--ulimit", $"nofile={nofile}:{nofile}", "--ulimit", $"nproc={nproc}:{nproc}"];
    }

    private static long? SoftLimit(string name)
    {
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        var fields = line?[name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields is { Length: > 0 } && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    private async Task RemoveAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        var list = ids.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var result = await RunAsync(["rm", "-f", "-t", "0", .. list], ct);
        if (result.ExitCode != 0)
        {
            throw new ContainerEngineException($"podman rm: {LastLine(result.Stderr)}");
        }
    }

    /// <summary>The namespace's kernel identity (<c>net:[4026532...]</c>): a recreated namespace is a different one.</summary>
    private static string NamespaceIdentity(string path)
    {
        using var ns = Netlink.NetNs.Open(path);
        return ns.Run(() => new FileInfo($"/proc/thread-self/ns/net").LinkTarget ?? "");
    }

    private static string SpecHash(ContainerDeclaration c, bool init, string ns)
    {
        var text = JsonSerializer.Serialize(
            new[] { c.Name, c.Image, init ? "init" : "", c.WorkingDir ?? "", c.Privileged ? "privileged" : "", c.EffectivePullPolicy, ns, }
                .Concat(c.Command is null ? ["-"] : c.Command.Prepend("command"))
                .Concat(c.Args is null ? ["-"] : c.Args.Prepend("args"))
                .Concat(c.Env.Select(e => $"{e.Key}={e.Value}"))
                .Concat(c.CapabilitiesAdd.Select(x => "+" + x)).Concat(c.CapabilitiesDrop.Select(x => "-" + x)).ToList(),
            ContainerJsonContext.Default.IReadOnlyListString);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }

    private static LabContainer Parse(JsonElement e)
    {
        var labels = e.TryGetProperty("Labels", out var l) && l.ValueKind == JsonValueKind.Object
            ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal)
            : [];
        var index = labels.GetValueOrDefault(IndexLabel, "0");
        return new LabContainer(
            e.GetProperty("Id").GetString() ?? "",
            e.GetProperty("Names")[0].GetString() ?? "",
            labels.GetValueOrDefault(PodLabel, ""),
            labels.GetValueOrDefault(ContainerLabel, ""),
            int.TryParse(index.TrimEnd('i'), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0,
            index.EndsWith('i'),
            e.GetProperty("Image").GetString() ?? "",
            e.GetProperty("State").GetString() ?? "",
            e.TryGetProperty("Status", out var s) ? s.GetString() ?? "" : "",
            e.TryGetProperty("ExitCode", out var x) && x.ValueKind == JsonValueKind.Number ? x.GetInt32() : 0,
            labels.GetValueOrDefault(SpecLabel, ""));
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no message)";

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        return (p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>One container of a lab pod as the engine reports it.</summary>
internal sealed record LabContainer(
    string Id, string Name, string Pod, string Container, int Index, bool Init, string Image, string State, string Status, int ExitCode, string SpecHash);

internal sealed class ContainerEngineException(string message) : Exception(message);

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class ContainerJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
