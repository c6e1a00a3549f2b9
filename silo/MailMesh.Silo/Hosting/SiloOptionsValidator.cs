using Microsoft.Extensions.Options;

namespace MailMesh.Silo.Hosting;

/// <summary>Checks <see cref="SiloOptions"/> at start-up; each failure says how to fix it.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add("Silo:DataDirectory is empty; set MAILMESH__SILO__DATADIRECTORY to a writable directory.");
        }
        else
        {
            var problem = ProbeWritable(options.DataDirectoryFullPath);
            if (problem is not null)
            {
                failures.Add($"Silo:DataDirectory '{options.DataDirectoryFullPath}' is not usable ({problem}); " +
                             "set MAILMESH__SILO__DATADIRECTORY to a writable directory.");
            }
        }

        RequirePositive(failures, options.ShutdownTimeout, "ShutdownTimeout", "00:00:30");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void RequirePositive(List<string> failures, TimeSpan value, string key, string example)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Add($"Silo:{key} is {value}; it must be a positive time span such as {example} " +
                         $"(set MAILMESH__SILO__{key.ToUpperInvariant()}).");
        }
    }

    private static string? ProbeWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var probe = Path.Combine(directory, $".write-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return e.Message;
        }
    }
}
