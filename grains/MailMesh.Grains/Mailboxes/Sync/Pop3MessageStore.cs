using System.IO.Pipelines;
using MailMesh.Blobs;
using MailMesh.Mime;
using MailMesh.Protocols.Pop3;

namespace MailMesh.Grains.Mailboxes.Sync;

/// <summary>Downloads POP3 messages straight into the blob store (RETR streamed through a pipe) and builds their
/// index rows from the captured header block.</summary>
internal static class Pop3MessageStore
{
    public const string FolderId = "pop3";
    public const string FolderName = "INBOX";
    public const uint UidValidity = 1;
    private static readonly ParserOptions s_headersOnly = new() { HeadersOnly = true };

    public static async Task<IndexedMessage> DownloadAsync(
        Pop3Client client, IBlobStore blobs, string mailbox, string blobPrefix, int number, uint uid, string uidl, CancellationToken cancellationToken)
    {
        var blobName = BlobFetchSink.BlobNameFor(blobPrefix, FolderId, UidValidity, uid);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024, useSynchronizationContext: false));
        var put = blobs.PutAsync(blobName, pipe.Reader.AsStream(), "message/rfc822", cancellationToken);
        var capture = new HeadCaptureStream(256 * 1024).Reset(pipe.Writer.AsStream(leaveOpen: true));
        try
        {
            await client.RetrieveAsync(number, capture, cancellationToken).ConfigureAwait(false);
            await pipe.Writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
            try
            {
                await put.ConfigureAwait(false);
            }
            catch (Exception putError) when (putError is IOException or OperationCanceledException or BlobStoreException or MailMesh.Protocols.MailProtocolException)
            {
                // The partial blob is overwritten when the message is downloaded again; nothing indexes it.
                _ = putError;
            }

            throw;
        }

        var stored = await put.ConfigureAwait(false);
        using var parsed = MimeMessage.Parse(capture.Head, s_headersOnly);
        return new IndexedMessage(
            mailbox, FolderId, FolderName, UidValidity, uid, "", Join(parsed.From.Mailboxes.Select(a => a.Address)), Join(parsed.To.Mailboxes.Select(a => a.Address)),
            parsed.Subject, parsed.Date, stored.Length, parsed.MessageId, Join(parsed.InReplyTo), Join(parsed.References), blobName, 0, uidl);
    }

    private static string? Join(IEnumerable<string> values)
    {
        var text = string.Join(' ', values);
        return text.Length == 0 ? null : text;
    }
}
