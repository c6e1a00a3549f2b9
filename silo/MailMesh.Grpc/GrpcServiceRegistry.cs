using Google.Protobuf.Reflection;

namespace MailMesh.Grpc;

/// <summary>The services mapped in this server (reflection lists them; health reports on them).</summary>
public sealed class GrpcServiceRegistry
{
    private readonly object _gate = new();
    private readonly List<ServiceDescriptor> _services = [];

    internal bool FallbackMapped { get; set; }

    /// <summary>The mapped services, in mapping order.</summary>
    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_gate)
            {
                return [.. _services];
            }
        }
    }

    /// <summary>Raised after a service is added.</summary>
    internal event Action<ServiceDescriptor>? ServiceAdded;

    internal void Add(ServiceDescriptor service)
    {
        lock (_gate)
        {
            if (_services.Any(s => s.FullName == service.FullName))
            {
                throw new InvalidOperationException($"gRPC service {service.FullName} is mapped twice.");
            }

            _services.Add(service);
        }

        ServiceAdded?.Invoke(service);
    }
}
