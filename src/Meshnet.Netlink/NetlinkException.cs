using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>
/// A failed kernel request: the errno and, when the kernel gave one, its extended-ack text.
/// The message reads "&lt;op&gt; &lt;object&gt;: &lt;strerror&gt; (errno N): &lt;extack&gt;".
/// </summary>
public class NetlinkException : Exception
{
    public NetlinkException(string operation, string target, int errno, string? extAck = null)
        : base(Format(operation, target, errno, extAck))
    {
        Operation = operation;
        Target = target;
        Errno = errno;
        ExtAck = extAck;
    }

    public NetlinkException()
        : this("netlink", "request", 0)
    {
    }

    public NetlinkException(string message)
        : base(message)
    {
        Operation = "netlink";
        Target = string.Empty;
    }

    public NetlinkException(string message, Exception innerException)
        : base(message, innerException)
    {
        Operation = "netlink";
        Target = string.Empty;
    }

    /// <summary>The positive errno value (EEXIST = 17, ENODEV = 19, ...).</summary>
    public int Errno { get; }

    /// <summary>The kernel's extended-ack message (NLMSGERR_ATTR_MSG), when it sent one.</summary>
    public string? ExtAck { get; }

    /// <summary>The verb that failed, e.g. "LinkAdd".</summary>
    public string Operation { get; }

    /// <summary>What it was applied to, e.g. the interface name.</summary>
    public string Target { get; }

    private static string Format(string operation, string target, int errno, string? extAck)
    {
        var text = $"{operation} {target}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
        return string.IsNullOrEmpty(extAck) ? text : $"{text}: {extAck}";
    }
}

/// <summary>The link named in the request does not exist (ENODEV) in the handle's namespace.</summary>
public sealed class LinkNotFoundException : NetlinkException
{
    public LinkNotFoundException(string operation, string target, int errno, string? extAck = null)
        : base(operation, target, errno, extAck)
    {
    }

    public LinkNotFoundException()
    {
    }

    public LinkNotFoundException(string message)
        : base(message)
    {
    }

    public LinkNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
