using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;
using Meshnet.Protocol.V1;

namespace Meshnet.Cni.Commands;

/// <summary>
/// GC (spec 1.1.0): forget spooled pods that are no longer attached, and tell the daemon which attachments
/// are still valid. A GC without <c>cni.dev/valid-attachments</c> is invalid config (7) and changes nothing. A daemon that is down garbage-collects on its own start, so GC does not fail for it.
/// </summary>
internal static class GcCommand
{
    public static async Task RunAsync(CniInvocation invocation)
    {
        SpecVersion.RequireAtLeast(invocation.CniVersion, "1.1.0", CniEnvironment.Gc);
        // Without the list every attachment would look stale: a GC that does not say what is valid removes nothing.
        var valid = invocation.Config.ValidAttachments
            ?? throw new CniException(CniErrorCode.InvalidNetworkConfig,
                "GC needs cni.dev/valid-attachments (the attachments still in use); without it nothing is collected");
        PruneSpool(invocation, valid);

        var request = new GcRequest { CniVersion = invocation.CniVersion };
        foreach (var attachment in valid)
        {
            request.ValidAttachments.Add(new Attachment { ContainerId = attachment.ContainerId, Ifname = attachment.IfName });
        }
        using var daemon = new DaemonClient(invocation.Config.EffectiveDaemonSocket);
        if (await daemon.GcAsync(request) is { } reply)
        {
            DaemonReplies.ThrowIfError(reply);
        }
    }

    private static void PruneSpool(CniInvocation invocation, IReadOnlyList<ValidAttachment> valid)
    {
        var alive = valid.Select(a => a.ContainerId).ToHashSet(StringComparer.Ordinal);
        var spool = invocation.Spool;
        IoErrors.Wrap("pending pod spool", () =>
        {
            foreach (var pod in spool.ReadAll())
            {
                if (!alive.Contains(pod.ContainerId))
                {
                    spool.Remove(pod.ContainerId);
                }
            }
        });
    }
}
