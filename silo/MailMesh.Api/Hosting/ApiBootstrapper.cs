using MailMesh.Api.Internal;
using MailMesh.Api.Services;
using MailMesh.Api.Tenants;
using MailMesh.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailMesh.Api.Hosting;

/// <summary>At the first start, creates the operator tenant and its first admin key and shows the key once.</summary>
internal sealed class ApiBootstrapper(IGrainFactory grains, IOptions<MailMeshApiOptions> options, ILogger<ApiBootstrapper> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var tenant = grains.GetGrain<ITenantGrain>(TenantGrain.KeyFor(settings.OperatorTenant));
        if (await tenant.Get().ConfigureAwait(false) is not null)
        {
            return;
        }

        var (_, key) = await AdminApi.CreateTenantWithAdminKey(grains, settings.OperatorTenant, "Operator", "first admin key").ConfigureAwait(false);
        Log.BootstrapKeyCreated(logger, settings.OperatorTenant, key.Key.Id, key.Secret);
        if (settings.BootstrapKeyFile is { Length: > 0 } path)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }

            await File.WriteAllTextAsync(path, key.Secret + Environment.NewLine, cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            Log.BootstrapKeyWritten(logger, path);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
