using Microsoft.Extensions.Options;

namespace MailMesh.Runtime.Hosting;

/// <summary>Checks <see cref="GrainRuntimeOptions"/> at start-up; each message says how to fix the value.</summary>
public sealed class GrainRuntimeOptionsValidator : IValidateOptions<GrainRuntimeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, GrainRuntimeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Positive(errors, options.IdleTimeout, nameof(options.IdleTimeout), "00:10:00");
        Positive(errors, options.IdleCheckInterval, nameof(options.IdleCheckInterval), "00:01:00");
        Positive(errors, options.CallTimeout, nameof(options.CallTimeout), "00:00:30");
        Positive(errors, options.CallTimeoutCheckInterval, nameof(options.CallTimeoutCheckInterval), "00:00:00.250");
        Positive(errors, options.ShutdownTimeout, nameof(options.ShutdownTimeout), "00:00:30");
        if (options.MaxWorkItemsPerBatch is < 1 or > 100_000)
        {
            errors.Add($"Runtime:MaxWorkItemsPerBatch is {options.MaxWorkItemsPerBatch}; set MAILMESH__RUNTIME__MAXWORKITEMSPERBATCH to 1–100000 (default 64).");
        }

        if (options.JsonOptions is null)
        {
            errors.Add("Runtime JsonOptions is null; leave it at its default or assign a JsonSerializerOptions.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, TimeSpan value, string name, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"Runtime:{name} is {value}; set MAILMESH__RUNTIME__{name.ToUpperInvariant()} to a positive time span such as {example}.");
        }
    }
}
