namespace MailMesh.Runtime.Sqlite.Internal;

/// <summary>A stored value cannot be read back (edited by hand, or written by something else); turned into a
/// <see cref="Storage.StorageException"/> naming the file by the store.</summary>
internal sealed class MalformedRowException(string message, Exception? inner = null) : FormatException(message, inner);
