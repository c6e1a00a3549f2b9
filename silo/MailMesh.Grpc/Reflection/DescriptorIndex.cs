using Google.Protobuf.Reflection;

namespace MailMesh.Grpc.Reflection;

/// <summary>Finds proto files by name and by the symbols they declare, across the mapped services and their dependencies.</summary>
internal sealed class DescriptorIndex
{
    private readonly Dictionary<string, FileDescriptor> _filesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _filesBySymbol = new(StringComparer.Ordinal);
    private readonly HashSet<string> _messageTypes = new(StringComparer.Ordinal);

    public DescriptorIndex(IEnumerable<ServiceDescriptor> services)
    {
        foreach (var service in services)
        {
            AddFile(service.File);
        }
    }

    public bool IsMessageType(string fullName) => _messageTypes.Contains(fullName);

    public FileDescriptor? FindFileByName(string name) => _filesByName.GetValueOrDefault(name);

    public FileDescriptor? FindFileBySymbol(string symbol) => _filesBySymbol.GetValueOrDefault(symbol);

    /// <summary>The file first, then its transitive dependencies that <paramref name="alreadySent"/> lacks.</summary>
    public static List<FileDescriptor> WithDependencies(FileDescriptor file, HashSet<string> alreadySent)
    {
        var result = new List<FileDescriptor> { file };
        alreadySent.Add(file.Name);
        var queue = new Queue<FileDescriptor>(file.Dependencies);
        while (queue.TryDequeue(out var dependency))
        {
            if (!alreadySent.Add(dependency.Name))
            {
                continue;
            }

            result.Add(dependency);
            foreach (var next in dependency.Dependencies)
            {
                queue.Enqueue(next);
            }
        }

        return result;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_filesByName.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var service in file.Services)
        {
            _filesBySymbol.TryAdd(service.FullName, file);
            foreach (var method in service.Methods)
            {
                _filesBySymbol.TryAdd($"{service.FullName}.{method.Name}", file);
            }
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }

        foreach (var enumType in file.EnumTypes)
        {
            _filesBySymbol.TryAdd(enumType.FullName, file);
        }

        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        _filesBySymbol.TryAdd(message.FullName, file);
        _messageTypes.Add(message.FullName);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            _filesBySymbol.TryAdd(field.FullName, file);
        }

        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }

        foreach (var enumType in message.EnumTypes)
        {
            _filesBySymbol.TryAdd(enumType.FullName, file);
        }
    }
}
