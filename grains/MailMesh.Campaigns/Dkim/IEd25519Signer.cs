namespace MailMesh.Campaigns.Dkim;

/// <summary>One Ed25519 private key (RFC 8032 PureEdDSA) that signs; the implementations differ only in speed and in
/// what the platform must offer (<see cref="DkimKey.Ed25519Implementation"/>). Thread-safe.</summary>
internal interface IEd25519Signer : IDisposable
{
    /// <summary>The 32-byte public key.</summary>
    byte[] PublicKey { get; }

    /// <summary>Writes the 64-byte signature of <paramref name="message"/> to <paramref name="signature"/>.</summary>
    /// <exception cref="ArgumentException">The buffer is shorter than 64 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The key was disposed.</exception>
    void Sign(ReadOnlySpan<byte> message, Span<byte> signature);
}
