namespace Meshnet.RealNode.Tests;

/// <summary>A Kubernetes namespace of one test's own; deleted (and waited for, so its pods' CNI DELs have run) at the end.</summary>
internal sealed class TestNamespace : IDisposable
{
    public TestNamespace(string prefix)
    {
        Name = $"rn-{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        Kubectl.Ok(Kubectl.Run("create", "namespace", Name), "create namespace");
    }

    public string Name { get; }

    public static implicit operator string(TestNamespace ns) => ns.Name;

    public override string ToString() => Name;

    public void Dispose() =>
        Kubectl.Run(["delete", "namespace", Name, "--wait=true", "--timeout=300s"], stdin: null, TimeSpan.FromMinutes(6));
}
