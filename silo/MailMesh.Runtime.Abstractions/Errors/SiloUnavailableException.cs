namespace MailMesh.Runtime;

/// <summary>The silo is shutting down or not yet started and takes no new calls.</summary>
public sealed class SiloUnavailableException(string message) : InvalidOperationException(message);
