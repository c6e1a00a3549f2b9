namespace MailMesh.Protocols.Pop3;

/// <summary>What the server listed in reply to CAPA (RFC 2449); empty when CAPA is not supported.</summary>
public sealed class Pop3Capabilities
{
    private readonly Dictionary<string, string> _lines;

    internal Pop3Capabilities(IEnumerable<string> lines)
    {
        _lines = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var name = space < 0 ? line : line[..space];
            _lines[name] = space < 0 ? string.Empty : line[(space + 1)..].Trim();
        }

        SaslMechanisms = _lines.TryGetValue("SASL", out var sasl)
            ? sasl.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(m => m.ToUpperInvariant()).ToArray()
            : [];
    }

    internal static Pop3Capabilities None { get; } = new([]);

    /// <summary>The capability names, e.g. <c>TOP</c>, <c>UIDL</c>, <c>SASL</c>.</summary>
    public IReadOnlyCollection<string> Names => _lines.Keys;

    /// <summary>SASL mechanisms (the <c>SASL</c> line), upper case.</summary>
    public IReadOnlyList<string> SaslMechanisms { get; }

    /// <summary>TOP.</summary>
    public bool Top => Contains("TOP");

    /// <summary>UIDL.</summary>
    public bool Uidl => Contains("UIDL");

    /// <summary>STLS (RFC 2595).</summary>
    public bool Stls => Contains("STLS");

    /// <summary>USER/PASS.</summary>
    public bool User => Contains("USER");

    /// <summary>PIPELINING: commands may be sent without waiting for each reply.</summary>
    public bool Pipelining => Contains("PIPELINING");

    /// <summary>RESP-CODES: -ERR replies carry [CODE]s.</summary>
    public bool ResponseCodes => Contains("RESP-CODES");

    /// <summary>True when the server listed <paramref name="name"/>.</summary>
    public bool Contains(string name) => _lines.ContainsKey(name);

    /// <summary>The arguments of a capability line (e.g. <c>EXPIRE 31</c> gives <c>31</c>), or null.</summary>
    public string? GetArguments(string name) => _lines.TryGetValue(name, out var value) ? value : null;
}
