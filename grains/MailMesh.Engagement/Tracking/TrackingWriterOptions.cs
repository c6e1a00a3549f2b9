namespace MailMesh.Engagement.Tracking;

/// <summary>When the tracking writer leaves the cores to the endpoints. Section <c>Tracking:Writer</c>; environment
/// variables <c>MAILMESH__TRACKING__WRITER__…</c>. See docs/adr/engagement-07-writer-yields-during-a-burst.md.</summary>
public sealed class TrackingWriterOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Tracking:Writer";

    /// <summary>Arrivals (hits per second, measured over <see cref="TrackingWriter.YieldWindow"/>) above which a writer that
    /// has caught up waits instead of storing: during a burst the endpoints answer from memory and the writer, whose hit
    /// costs several times a request's CPU, would take the cores they need. 0: the writer never yields.</summary>
    public int YieldAbove { get; set; } = 2_000;

    /// <summary>Longest the writer yields at once. After it the writer works until it has caught up (a batch taken short)
    /// before it yields again, so a sustained load above <see cref="YieldAbove"/> is stored as before, and a hit is
    /// counted at most about this long after it arrived plus the time to store the backlog.</summary>
    public TimeSpan YieldLimit { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the writer keeps yielding when the memory queue is full and hits go to the spill journal (true),
    /// or resumes when the memory queue is three quarters full (false). It always resumes when the journal cannot take
    /// them: turned off, half full, or refusing hits.</summary>
    public bool YieldWhileSpilling { get; set; } = true;
}
