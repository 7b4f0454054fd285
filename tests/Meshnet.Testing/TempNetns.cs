namespace Meshnet.Testing;

/// <summary>
/// A throwaway network namespace for one test: uniquely named (prefix "mt-" so leftovers are easy to spot), created
/// with `ip netns add` and always deleted on Dispose. Deleting a namespace also removes every device inside it.
/// </summary>
public sealed class TempNetns : IDisposable
{
    private TempNetns(string name) => Name = name;

    public string Name { get; }

    /// <summary>/var/run/netns/NAME.</summary>
    public string Path => $"/var/run/netns/{Name}";

    public static TempNetns Create()
    {
        var name = $"mt-{Guid.NewGuid():N}"[..15];
        Cmd.Run("ip", "netns", "add", name).EnsureSuccess();
        return new TempNetns(name);
    }

    /// <summary>= ip netns exec NAME COMMAND...</summary>
    public Cmd.Result Exec(params string[] command) => Cmd.Run("ip", ["netns", "exec", Name, .. command]);

    public void Dispose() => Cmd.Run("ip", "netns", "del", Name);

    public override string ToString() => Name;
}
