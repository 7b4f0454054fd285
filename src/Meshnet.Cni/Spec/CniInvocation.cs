using Meshnet.Protocol;
using Meshnet.Protocol.V1;

namespace Meshnet.Cni.Spec;

/// <summary>One plugin invocation: the checked environment plus the checked network config.</summary>
internal sealed record CniInvocation(CniEnvironment Environment, NetworkConfig Config)
{
    public string CniVersion => Config.EffectiveCniVersion;

    public PodRef? Pod => Environment.Args.Pod;

    public PendingPodSpool Spool => new(Config.EffectiveStateDir);

    /// <summary>
    /// Parses and validates in skel's order: config JSON (6), network name (7), then meshnet's keys (7), container id
    /// and ifname; then, for ADD and CHECK, that CNI_NETNS is a network namespace (4) and that prevResult has its
    /// version's shape (6). All of it happens before the first side effect (a call to the daemon, a spool entry), so a
    /// refused request changed nothing.
    /// </summary>
    public static CniInvocation Create(CniEnvironment environment, ReadOnlySpan<byte> stdin)
    {
        var config = NetworkConfig.Parse(stdin);
        CniNames.ValidateNetworkName(config.Name ?? string.Empty);
        config.Validate();
        environment.ValidateAttachmentNames();
        if (environment.Command is CniEnvironment.Add or CniEnvironment.Check)
        {
            if (Meshnet.Netlink.NetNs.WhyNotNetworkNamespace(environment.Netns) is { } why)
            {
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"CNI_NETNS \"{environment.Netns}\" {why}");
            }

            PrevResult.Validate(config.PrevResult, config.EffectiveCniVersion);
        }

        return new CniInvocation(environment, config);
    }

    /// <summary>The request the daemon gets for ADD / DEL / CHECK (only made when <see cref="Pod"/> is known).</summary>
    public CniRequest ToRequest(PodRef pod) => new()
    {
        PodNamespace = pod.Namespace,
        PodName = pod.Name,
        ContainerId = Environment.ContainerId,
        Netns = Environment.Netns,
        Ifname = Environment.IfName,
        CniVersion = CniVersion,
    };
}
