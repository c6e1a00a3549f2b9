using System.Collections;
using System.Reflection;
using System.Text.RegularExpressions;
using MailMesh.Api.Hosting;
using MailMesh.Audience;
using MailMesh.Blobs;
using MailMesh.Campaigns.Links;
using MailMesh.Engagement.Tracking;
using MailMesh.Grains.Mailboxes.Sync;
using MailMesh.Grains.Rules;
using MailMesh.Relays;
using MailMesh.Runtime;
using MailMesh.Runtime.PostgreSql;
using MailMesh.Runtime.RabbitMq;
using MailMesh.Runtime.Sqlite;
using MailMesh.Silo.Hosting;
using MailMesh.Telemetry;

namespace MailMesh.Deploy.Tests.Infrastructure;

/// <summary>What the silo reads from its environment: configuration keys bound to its options classes (found by
/// reflection, so a renamed property shows up here), keys it reads by name, the sections the framework reads
/// (Kestrel endpoints, Logging), and plain environment variables named in its source.</summary>
internal static partial class SiloSettings
{
    /// <summary>Configuration sections and the options classes bound to each (a section may bind several) (the <c>Section</c>/<c>SectionName</c>
    /// constants of the classes themselves).</summary>
    private static readonly (string Section, Type Options)[] s_sections =
    [
        (SiloOptions.Section, typeof(SiloOptions)),
        (GrainRuntimeOptions.SectionName, typeof(GrainRuntimeOptions)),
        (ClusterOptions.SectionName, typeof(ClusterOptions)),
        (RabbitMqFabricOptions.SectionName, typeof(RabbitMqFabricOptions)),
        (SqliteStorageOptions.SectionName, typeof(SqliteStorageOptions)),
        (PostgreSqlStorageOptions.SectionName, typeof(PostgreSqlStorageOptions)),
        (BlobStoreOptions.Section, typeof(BlobStoreOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (RelayOptions.Section, typeof(RelayOptions)),
        (MailMeshApiOptions.SectionName, typeof(MailMeshApiOptions)),
        (RulesOptions.Section, typeof(RulesOptions)),
        (MailboxSyncOptions.Section, typeof(MailboxSyncOptions)),
        (AudienceOptions.Section, typeof(AudienceOptions)),
        (TrackingOptions.Section, typeof(TrackingOptions)),
        (TrackingListenerOptions.Section, typeof(TrackingListenerOptions)),
    ];

    private static readonly Lazy<string> s_siloSource = new(ReadSiloSource);

    /// <summary>Null when the silo reads environment variable <paramref name="name"/>; otherwise why not.</summary>
    public static string? Check(string name)
    {
        if (name.StartsWith(SiloHost.EnvironmentPrefix, StringComparison.Ordinal))
        {
            var key = name[SiloHost.EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
            return CheckKey(key) is { } problem ? $"{name} sets configuration key {key}, which {problem}" : null;
        }

        // Variables the silo reads by name (OTEL_* through configuration, POD_NAME directly).
        return s_siloSource.Value.Contains('"' + name + '"', StringComparison.Ordinal)
            ? null
            : $"{name} is neither a {SiloHost.EnvironmentPrefix}… setting nor a variable named in the silo's source (silo/, grains/)";
    }

    /// <summary>Null when configuration key <paramref name="key"/> (<c>Section:Key</c>) is read by the silo.</summary>
    public static string? CheckKey(string key)
    {
        if (KestrelEndpoint().IsMatch(key) || key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // Keys read by name rather than bound (SiloServices: Storage:Provider; SiloCluster: Cluster:Enabled).
        if (s_siloSource.Value.Contains($"[\"{key}\"]", StringComparison.OrdinalIgnoreCase) ||
            s_siloSource.Value.Contains($"<bool>(\"{key}\")", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var matching = s_sections.Where(s => key.StartsWith(s.Section + ":", StringComparison.OrdinalIgnoreCase)).ToList();
        if (matching.Count == 0)
        {
            return "is in no section the silo binds (" + string.Join(", ", s_sections.Select(s => s.Section).Distinct()) + ")";
        }

        var longest = matching.Max(s => s.Section.Length);
        var best = matching.Where(s => s.Section.Length == longest).ToList();
        var path = key[(longest + 1)..].Split(':');
        return best.Any(s => Binds(s.Options, path, 0))
            ? null
            : $"is not a property of {string.Join(" or ", best.Select(s => s.Options.Name))} (section {best[0].Section})";
    }

    private static bool Binds(Type type, string[] path, int index)
    {
        if (index == path.Length)
        {
            return true;
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>))
        {
            return Binds(type.GetGenericArguments()[1], path, index + 1);
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && type.IsGenericType)
        {
            return int.TryParse(path[index], out _) && Binds(type.GetGenericArguments()[0], path, index + 1);
        }

        var property = type.GetProperty(path[index], BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is not null && (property.CanWrite || !IsLeaf(property.PropertyType)) && Binds(property.PropertyType, path, index + 1);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(TimeSpan) || type == typeof(Uri) ||
        Nullable.GetUnderlyingType(type) is not null;

    private static string ReadSiloSource()
    {
        var text = new System.Text.StringBuilder();
        foreach (var dir in new[] { "silo", "grains" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, dir), "*.cs", SearchOption.AllDirectories))
            {
                var separator = Path.DirectorySeparatorChar;
                if (!file.Contains($"{separator}obj{separator}", StringComparison.Ordinal) && !file.Contains($"{separator}bin{separator}", StringComparison.Ordinal))
                {
                    text.AppendLine(File.ReadAllText(file));
                }
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^Kestrel:Endpoints:[A-Za-z0-9]+:(Url|Protocols)$", RegexOptions.IgnoreCase)]
    private static partial Regex KestrelEndpoint();
}
