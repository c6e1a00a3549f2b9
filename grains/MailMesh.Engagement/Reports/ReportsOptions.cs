namespace MailMesh.Engagement.Reports;

/// <summary>Campaign reports (section <c>Reports</c>).</summary>
public sealed class ReportsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Reports";

    /// <summary>The SQLite file of the bounce and complaint notices projected for reports (default <c>{data}/reports.db</c>).</summary>
    public string? DatabasePath { get; set; }

    /// <summary>Where a segment report writes its members database while it runs (default <c>{data}/reports-scratch</c>); the
    /// file is deleted when the report is made.</summary>
    public string? ScratchDirectory { get; set; }

    /// <summary>Events read at a time when the notices catch up with the event log.</summary>
    public int EventBatchSize { get; set; } = 1000;
}
