using Meshnet.Model;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// Reads a lab file: the same multi-document Topology YAML that <c>kubectl apply</c> takes. A lab is one store
/// namespace, so every object is placed in the lab's namespace; a file that spans several namespaces is refused
/// (uids are only unique per namespace, merging them could pair the wrong ends).
/// </summary>
internal static class LabFile
{
    /// <exception cref="LabFileException">The file cannot be read, parsed or validated; the message lists every problem.</exception>
    public static IReadOnlyList<Topology> Load(string path, string lab)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabFileException($"{path}: {e.Message}");
        }

        IReadOnlyList<Topology> parsed;
        try
        {
            parsed = TopologyParser.ParseYaml(text, lab, path);
        }
        catch (TopologyParseException e)
        {
            throw new LabFileException(e.Message);
        }

        if (parsed.Count == 0)
        {
            throw new LabFileException($"{path}: no Topology objects found");
        }

        var namespaces = parsed.Select(t => t.Namespace).Distinct(StringComparer.Ordinal).ToList();
        if (namespaces.Count > 1)
        {
            throw new LabFileException($"{path}: objects span namespaces {string.Join(", ", namespaces)}; a lab is one namespace");
        }

        var topologies = parsed.Select(t => t with { Namespace = lab }).ToList();
        var result = TopologyValidator.Validate(topologies);
        if (!result.IsValid)
        {
            throw new LabFileException($"{path}: invalid topology:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", result.Errors));
        }

        return topologies;
    }
}

internal sealed class LabFileException(string message) : Exception(message);
