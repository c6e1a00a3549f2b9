namespace MailMesh.Protocols.Imap;

/// <summary>What the server advertised (CAPABILITY response or code). Names compare case-insensitively.</summary>
public sealed class ImapCapabilities
{
    private readonly HashSet<string> _names;

    internal ImapCapabilities(IEnumerable<string> names)
    {
        _names = new HashSet<string>(names, StringComparer.OrdinalIgnoreCase);
        AuthenticationMechanisms = _names
            .Where(n => n.StartsWith("AUTH=", StringComparison.OrdinalIgnoreCase))
            .Select(n => n[5..].ToUpperInvariant())
            .ToArray();
    }

    internal static ImapCapabilities None { get; } = new([]);

    /// <summary>Every advertised name, e.g. <c>IMAP4rev1</c>, <c>AUTH=PLAIN</c>, <c>CONDSTORE</c>.</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>SASL mechanisms from <c>AUTH=</c> entries, upper case.</summary>
    public IReadOnlyList<string> AuthenticationMechanisms { get; }

    /// <summary>STARTTLS (RFC 3501).</summary>
    public bool StartTls => Contains("STARTTLS");

    /// <summary>LOGINDISABLED: the LOGIN command is refused (usually until TLS).</summary>
    public bool LoginDisabled => Contains("LOGINDISABLED");

    /// <summary>SASL-IR (RFC 4959): initial response with AUTHENTICATE.</summary>
    public bool SaslInitialResponse => Contains("SASL-IR");

    /// <summary>LITERAL+ (RFC 7888): non-synchronizing literals.</summary>
    public bool LiteralPlus => Contains("LITERAL+");

    /// <summary>IDLE (RFC 2177).</summary>
    public bool Idle => Contains("IDLE");

    /// <summary>UIDPLUS (RFC 4315): COPYUID, APPENDUID, UID EXPUNGE.</summary>
    public bool UidPlus => Contains("UIDPLUS");

    /// <summary>MOVE (RFC 6851).</summary>
    public bool Move => Contains("MOVE");

    /// <summary>CONDSTORE (RFC 7162).</summary>
    public bool CondStore => Contains("CONDSTORE") || QResync;

    /// <summary>QRESYNC (RFC 7162); must be enabled with ENABLE before use.</summary>
    public bool QResync => Contains("QRESYNC");

    /// <summary>ENABLE (RFC 5161).</summary>
    public bool Enable => Contains("ENABLE");

    /// <summary>ID (RFC 2971).</summary>
    public bool Id => Contains("ID");

    /// <summary>SPECIAL-USE (RFC 6154).</summary>
    public bool SpecialUse => Contains("SPECIAL-USE");

    /// <summary>LIST-STATUS (RFC 5819).</summary>
    public bool ListStatus => Contains("LIST-STATUS");

    /// <summary>LIST-EXTENDED (RFC 5258).</summary>
    public bool ListExtended => Contains("LIST-EXTENDED");

    /// <summary>MULTIAPPEND (RFC 3502): several messages in one APPEND.</summary>
    public bool MultiAppend => Contains("MULTIAPPEND");

    /// <summary>UNSELECT (RFC 3691).</summary>
    public bool Unselect => Contains("UNSELECT");

    /// <summary>UTF8=ACCEPT (RFC 6855).</summary>
    public bool Utf8Accept => Contains("UTF8=ACCEPT");

    /// <summary>True when the server advertised <paramref name="name"/>.</summary>
    public bool Contains(string name) => _names.Contains(name);

    /// <inheritdoc />
    public override string ToString() => string.Join(' ', _names);
}
