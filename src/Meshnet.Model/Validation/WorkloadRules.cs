using System.Text.RegularExpressions;

namespace Meshnet.Model;

/// <summary>
/// Checks the pods a manifest declares, as the API server would before accepting them: names, unique pods and
/// containers, images, environment names and capabilities. Every problem names the pod and the field.
/// </summary>
public static partial class WorkloadRules
{
    public static ValidationResult Validate(IReadOnlyList<PodDeclaration> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var errors = new List<ValidationError>();
        var seen = new Dictionary<PodKey, PodDeclaration>();
        foreach (var pod in pods)
        {
            if (NameRules.CheckPodName(pod.Name) is { } badName)
            {
                errors.Add(new(pod.Key, "metadata.name", badName));
            }

            if (!seen.TryAdd(pod.Key, pod))
            {
                errors.Add(new(pod.Key, "metadata.name", $"{pod.Source} declares a pod that {seen[pod.Key].Source} declares too"));
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            Check(pod, "spec.initContainers", pod.InitContainers, names, errors);
            Check(pod, "spec.containers", pod.Containers, names, errors);
        }

        return new ValidationResult(errors);
    }

    private static void Check(PodDeclaration pod, string field, IReadOnlyList<ContainerDeclaration> containers, HashSet<string> names, List<ValidationError> errors)
    {
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var at = $"{field}[{i}]";
            if (!DnsLabel().IsMatch(c.Name) || c.Name.Length > 63)
            {
                errors.Add(new(pod.Key, at + ".name", $"\"{c.Name}\" is not a DNS label (lower-case letters, digits and '-', at most 63 characters)"));
            }
            else if (!names.Add(c.Name))
            {
                errors.Add(new(pod.Key, at + ".name", $"\"{c.Name}\" names another container of this pod too"));
            }

            if (string.IsNullOrWhiteSpace(c.Image) || c.Image.Any(char.IsWhiteSpace))
            {
                errors.Add(new(pod.Key, at + ".image", $"\"{c.Image}\" is not an image reference"));
            }

            for (var e = 0; e < c.Env.Count; e++)
            {
                if (c.Env[e].Key.Length == 0 || c.Env[e].Key.Contains('='))
                {
                    errors.Add(new(pod.Key, $"{at}.env[{e}].name", $"\"{c.Env[e].Key}\" is not a variable name"));
                }
            }

            foreach (var (list, name) in new[] { (c.CapabilitiesAdd, "add"), (c.CapabilitiesDrop, "drop") })
            {
                foreach (var cap in list.Where(cap => !Capability().IsMatch(cap)))
                {
                    errors.Add(new(pod.Key, $"{at}.securityContext.capabilities.{name}", $"\"{cap}\" is not a capability name (e.g. NET_ADMIN or ALL)"));
                }
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^(CAP_)?[A-Z][A-Z_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Capability();
}
