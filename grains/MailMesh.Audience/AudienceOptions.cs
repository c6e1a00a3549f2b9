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

    /// <summary>Records an import reads ahead and applies in address order (0, or 1,000-2,000,000; default 250,000): the
    /// new contacts of a step then fall next to each other in the indexes keyed by address instead of on one random page
    /// each (docs/adr/audience-07-address-ordered-imports.md). A run costs about 150 bytes of memory per record (two runs
    /// at a time) and a temporary file of its records; 0 applies rows in file order.</summary>
    public int ImportOrderRun { get; set; } = 250_000;

    /// <summary>How often the durable reminder of a running import checks that it is stepping (default 1 minute, at least
    /// 1 second): the longest pause of an import after a silo crash.</summary>
    public TimeSpan ImportResumeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether imports create new contacts in bulk (one storage transaction per step) where the grain storage
    /// offers it (default true); otherwise every row goes through its contact grain.</summary>
    public bool BulkImport { get; set; } = true;

    /// <summary>The secret behind the keyed hashes of erased addresses, base64 of at least 32 random bytes (e.g.
    /// <c>openssl rand -base64 32</c>). Set it, identically on every silo, when silos share a database; when unset, the key
    /// file <see cref="ErasureKeyPath"/> is used (created with a random key when missing). Changing it makes the block
    /// list forget every erased address: keep it with the database backups.</summary>
    public string? ErasureKey { get; set; }

    /// <summary>The key file used when <see cref="ErasureKey"/> is unset (default <c>&lt;dataDirectory&gt;/audience-erasure.key</c>).</summary>
    public string? ErasureKeyPath { get; set; }
}
