namespace MailMesh.Audience;

/// <summary>Settings of the audience (section <c>Audience</c>).</summary>
public sealed class AudienceOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Audience";

    /// <summary>The SQLite file of the contacts read model (default <c>&lt;dataDirectory&gt;/contacts.db</c>).</summary>
    public string? ReadModelPath { get; set; }

    /// <summary>Rows an import applies per step (1-10,000; default 500): a crash repeats at most one step.</summary>
    public int ImportBatchSize { get; set; } = 500;
}
