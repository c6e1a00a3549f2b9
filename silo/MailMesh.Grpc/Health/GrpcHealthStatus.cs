using System.Threading.Channels;
using ServingStatus = MailMesh.Grpc.Protocol.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace MailMesh.Grpc.Health;

/// <summary>
/// The serving status reported by <c>grpc.health.v1.Health</c>, per service ("" is the whole
/// server). Mapped services start as SERVING; the host sets NOT_SERVING while it shuts down.
/// </summary>
public sealed class GrpcHealthStatus
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal) { [string.Empty] = ServingStatus.Serving };
    private readonly List<(string Service, Channel<ServingStatus> Channel)> _watchers = [];

    /// <summary>Sets the status of <paramref name="service"/> and tells every watcher.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_gate)
        {
            _statuses[service] = status;
            foreach (var (watched, channel) in _watchers)
            {
                if (watched == service)
                {
                    channel.Writer.TryWrite(status);
                }
            }
        }
    }

    /// <summary>Sets every known service (and the server) to <paramref name="status"/>.</summary>
    public void SetAll(ServingStatus status)
    {
        lock (_gate)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                SetStatus(service, status);
            }
        }
    }

    /// <summary>The status of <paramref name="service"/>, or null when it is unknown.</summary>
    public ServingStatus? GetStatus(string service)
    {
        lock (_gate)
        {
            return _statuses.TryGetValue(service, out var status) ? status : null;
        }
    }

    /// <summary>Subscribes to changes; the first value read is the current status (SERVICE_UNKNOWN if unknown).</summary>
    internal HealthWatch Watch(string service)
    {
        // Only the latest status matters, so a slow watcher costs one slot, not a growing queue.
        var channel = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_gate)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var status) ? status : ServingStatus.ServiceUnknown);
            _watchers.Add((service, channel));
        }

        return new HealthWatch(this, service, channel);
    }

    private void Unwatch(Channel<ServingStatus> channel)
    {
        lock (_gate)
        {
            _watchers.RemoveAll(w => w.Channel == channel);
        }
    }

    internal sealed class HealthWatch(GrpcHealthStatus owner, string service, Channel<ServingStatus> channel) : IDisposable
    {
        public string Service => service;

        public ChannelReader<ServingStatus> Reader => channel.Reader;

        public void Dispose() => owner.Unwatch(channel);
    }
}
