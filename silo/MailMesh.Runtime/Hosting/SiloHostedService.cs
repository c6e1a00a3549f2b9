using Microsoft.Extensions.Hosting;

namespace MailMesh.Runtime.Hosting;

/// <summary>Starts the silo with the host and stops it gracefully when the host stops.</summary>
public sealed class SiloHostedService : IHostedService
{
    private readonly Silo _silo;

    /// <summary>Creates the service.</summary>
    public SiloHostedService(Silo silo)
    {
        _silo = silo;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => _silo.StartAsync(cancellationToken);

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => _silo.StopAsync(cancellationToken);
}
