namespace Meshnet.Model;

/// <summary>
/// A Topology file could not be read. The message names the source, line and document, e.g.
/// <c>lab.yaml:14: document 2: kind "Pod" is not supported (expected Topology or List)</c>.
/// </summary>
public sealed class TopologyParseException : FormatException
{
    public TopologyParseException(string sourceName, int document, long line, string detail, Exception? inner = null)
        : base(Format(sourceName, document, line, detail), inner)
    {
        SourceName = sourceName;
        Document = document;
        Line = line;
        Detail = detail;
    }

    /// <summary>The file name given to the parser, or <c>&lt;input&gt;</c>.</summary>
    public string SourceName { get; }

    /// <summary>1-based index of the YAML document (0 when the stream itself is malformed before any document).</summary>
    public int Document { get; }

    /// <summary>1-based line of the offending node, 0 when unknown.</summary>
    public long Line { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Detail { get; }

    private static string Format(string sourceName, int document, long line, string detail)
    {
        var where = line > 0 ? $"{sourceName}:{line}" : sourceName;
        return document > 0 ? $"{where}: document {document}: {detail}" : $"{where}: {detail}";
    }
}
