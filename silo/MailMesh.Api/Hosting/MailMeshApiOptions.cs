using MailMesh.Runtime;
using Microsoft.Extensions.Options;

namespace MailMesh.Api.Hosting;

/// <summary>Settings of the MailMesh API (configuration section <c>Api</c>, env <c>MAILMESH__API__…</c>).</summary>
public sealed class MailMeshApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Api";

    /// <summary>The operator tenant: its admin keys may create and list tenants. Created at first start with one admin key.</summary>
    public string OperatorTenant { get; set; } = "system";

    /// <summary>Where to write the first admin key's secret when the operator tenant is created (besides the log); null for nowhere.</summary>
    public string? BootstrapKeyFile { get; set; }

    /// <summary>Events buffered per subscriber; a subscriber that falls further behind is ended with RESOURCE_EXHAUSTED and resumes.</summary>
    public int SubscriberBufferSize { get; set; } = 1024;

    /// <summary>Events read from the log at a time.</summary>
    public int EventReadBatchSize { get; set; } = 256;
}

internal sealed class MailMeshApiOptionsValidator : IValidateOptions<MailMeshApiOptions>
{
    public ValidateOptionsResult Validate(string? name, MailMeshApiOptions options)
    {
        var errors = new List<string>();
        if (GrainKey.ValidateTenant(options.OperatorTenant ?? "") is { } problem)
        {
            errors.Add($"Api:OperatorTenant '{options.OperatorTenant}' is not a valid tenant id ({problem}); set MAILMESH__API__OPERATORTENANT.");
        }

        if (options.SubscriberBufferSize is < 1 or > 1_000_000)
        {
            errors.Add($"Api:SubscriberBufferSize is {options.SubscriberBufferSize}; use 1-1000000 (default 1024).");
        }

        if (options.EventReadBatchSize is < 1 or > 10_000)
        {
            errors.Add($"Api:EventReadBatchSize is {options.EventReadBatchSize}; use 1-10000 (default 256).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
