namespace Meshnet.Cni.Spec;

/// <summary>The CNI_* environment of one invocation, checked the way pkg/skel checks it.</summary>
internal sealed record CniEnvironment(
    string Command,
    string ContainerId,
    string Netns,
    string IfName,
    string Path,
    CniArgs Args)
{
    public const string Add = "ADD";
    public const string Del = "DEL";
    public const string Check = "CHECK";
    public const string Status = "STATUS";
    public const string Gc = "GC";
    public const string Version = "VERSION";

    /// <summary>Commands that act on one attachment (container + interface).</summary>
    public bool IsAttachmentCommand => Command is Add or Del or Check;

    /// <summary>Reads the environment; fails with code 4 when a variable the command needs is missing.</summary>
    public static CniEnvironment Read(Func<string, string?> getenv)
    {
        string command = getenv("CNI_COMMAND") ?? string.Empty;
        if (command.Length > 0 && command is not (Add or Del or Check or Status or Gc or Version))
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, $"unknown CNI_COMMAND: {command}");
        }

        string Value(string name) => getenv(name) ?? string.Empty;
        var missing = new List<string>();
        void Require(string name, bool required)
        {
            if (required && Value(name).Length == 0)
            {
                missing.Add(name);
            }
        }

        bool attachment = command is Add or Del or Check;
        Require("CNI_COMMAND", true);
        Require("CNI_CONTAINERID", attachment);
        Require("CNI_NETNS", command is Add or Check); // DEL must work after the netns is gone
        Require("CNI_IFNAME", attachment);
        Require("CNI_PATH", command is Add or Del or Check or Gc or Status);
        if (missing.Count > 0)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                $"required env variables [{string.Join(',', missing)}] missing");
        }

        return new CniEnvironment(
            command,
            Value("CNI_CONTAINERID"),
            Value("CNI_NETNS"),
            Value("CNI_IFNAME"),
            Value("CNI_PATH"),
            CniArgs.Parse(getenv("CNI_ARGS")));
    }

    /// <summary>
    /// skel validates the container id and interface name after the network config, so the caller runs this
    /// once the config has been checked.
    /// </summary>
    public void ValidateAttachmentNames()
    {
        if (IsAttachmentCommand)
        {
            CniNames.ValidateContainerId(ContainerId);
            CniNames.ValidateInterfaceName(IfName);
        }
    }
}
