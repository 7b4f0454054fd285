namespace Meshnet.Model;

/// <summary>One problem, located by object and field path, e.g. <c>lab1/r1: spec.links[2].local_intf: ...</c>.</summary>
public sealed record ValidationError(PodKey Object, string Field, string Message)
{
    public override string ToString() => $"{Object}: {Field}: {Message}";
}

/// <summary>All problems found in a set of Topologies; valid when there are none.</summary>
public sealed class ValidationResult(IReadOnlyList<ValidationError> errors)
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;

    public bool IsValid => Errors.Count == 0;

    /// <summary>One error per line.</summary>
    public override string ToString() => string.Join('\n', Errors);
}
