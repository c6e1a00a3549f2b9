namespace MailMesh.Engagement.Tracking;

/// <summary>The public tracking listener and its writer. Section <c>Tracking</c> (shared with the signing keys and public
/// URL of <see cref="MailMesh.Campaigns.Links.TrackingOptions"/>); environment variables <c>MAILMESH__TRACKING__…</c>.</summary>
public sealed class TrackingListenerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tracking";

    /// <summary>Whether the silo serves the tracking endpoints.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The URL the listener binds (its own Kestrel server, apart from gRPC): loopback by default for an embedded
    /// silo; put a TLS-terminating proxy or ingress in front of it in production.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:5082";

    /// <summary>The generated key file (default <c>&lt;data&gt;/tracking.key</c>, mode 0600) used when no
    /// <c>Tracking:Keys</c> are configured (an embedded silo; a cluster configures the same keys on every silo).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The SQLite file of raw hits (default <c>&lt;data&gt;/engagement.db</c>).</summary>
    public string? HitStorePath { get; set; }

    /// <summary>Hits held in memory between the endpoints and the writer.</summary>
    public int QueueCapacity { get; set; } = 65_536;

    /// <summary>The spill journal's directory (default <c>&lt;data&gt;/tracking-spill</c>): hits that find the memory queue
    /// full are appended there and read by the writer after the memory queue, also after a restart.</summary>
    public string? SpillDirectory { get; set; }

    /// <summary>Most bytes of unread hits the spill journal holds (a hit is about 200-700 bytes); past it, and while its
    /// disk fails, an open or click that finds the memory queue full is refused with 503 and Retry-After. 0 turns the
    /// journal off.</summary>
    public long SpillLimitBytes { get; set; } = 1L << 30;

    /// <summary>Size at which the journal starts a new segment file (read segments are deleted whole).</summary>
    public long SpillSegmentBytes { get; set; } = 16L << 20;

    /// <summary>Longest time a spilled hit stays written but not fsync'd (a power loss may lose that much; a crash of the
    /// process loses none). 0 fsyncs every grouped write.</summary>
    public TimeSpan SpillSyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The Retry-After of a refused hit, and how long appends are refused after the journal's disk failed.</summary>
    public TimeSpan SpillRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Most hits taken from memory, written to SQL and handed to the grains at once.</summary>
    public int BatchSize { get; set; } = 2_000;

    /// <summary>Most hits of a batch that the spill journal fills up (it holds them until they are stored, so a crash
    /// loses none of them). 32,768: a backlog spread over many contacts reaches each with several hits per grain turn,
    /// and the turn, not the hit, is what costs (a grain turn with its state write and the contact's).</summary>
    public int SpillBatchSize { get; set; } = 32_768;

    /// <summary>How many engagement grains the writer calls at once. 64: a batch of many contacts' hits costs about a fifth
    /// less CPU per hit than with 16 (more state writes share each of the storage's group commits).</summary>
    public int GrainConcurrency { get; set; } = 64;

    /// <summary>Largest form or unsubscribe POST body (bytes); larger bodies get 413.</summary>
    public int MaxFormBytes { get; set; } = 16_384;

    /// <summary>Most fields in a POST; more get 400.</summary>
    public int MaxFormFields { get; set; } = 64;

    /// <summary>Proxies (CIDR) whose <c>X-Forwarded-For</c> is trusted for the client address; empty: the socket's
    /// address is the client's.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}
