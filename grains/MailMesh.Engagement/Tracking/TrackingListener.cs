using Microsoft.Extensions.Options;

namespace MailMesh.Engagement.Tracking;

/// <summary>The tracking listener and its writer, started and stopped in the right order: the writer first (it hands over
/// what a crash left pending), then the server; at shutdown the server stops taking requests, then the writer drains.</summary>
public sealed class TrackingListener(IServiceProvider services, TrackingWriter writer, IOptions<TrackingListenerOptions> options) : IAsyncDisposable
{
    private TrackingServer? _server;

    /// <summary>The listening address, once started.</summary>
    public Uri? Address => _server?.Address;

    /// <summary>Starts the writer and the server.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await writer.StartAsync(cancellationToken).ConfigureAwait(false);
        _server = await TrackingServer.StartAsync(services, options.Value.Listen, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the server, then drains the writer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await writer.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
    }
}
