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

    /// <summary>How often the durable reminder of a running import checks that it is stepping (default 1 minute, at least
    /// 1 second): the longest pause of an import after a silo crash.</summary>
    public TimeSpan ImportResumeInterval { get; set; } = TimeSpan.FromMinutes(1);
}
