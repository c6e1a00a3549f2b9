using System.Globalization;
using System.Xml;

namespace MailMesh.Blobs.Azure;

/// <summary>Reads a List Blobs response page without building a DOM.</summary>
internal static class BlobListParser
{
    internal sealed record Page(List<BlobProperties> Items, string? NextMarker);

    public static async Task<Page> ParseAsync(Stream body, CancellationToken cancellationToken)
    {
        var items = new List<BlobProperties>();
        string? nextMarker = null;
        using var reader = XmlReader.Create(body, new XmlReaderSettings { Async = true, IgnoreWhitespace = true, DtdProcessing = DtdProcessing.Prohibit });
        string? name = null;
        long length = 0;
        byte[] md5 = [];
        string etag = "";
        string? contentType = null;
        var modified = DateTimeOffset.MinValue;
        // ReadElementContentAsStringAsync leaves the reader on the next node already: don't Read past it.
        var positioned = false;
        while (positioned || await reader.ReadAsync().ConfigureAwait(false))
        {
            positioned = false;
            cancellationToken.ThrowIfCancellationRequested();
            if (reader.NodeType == XmlNodeType.EndElement && reader.Name == "Blob" && name is not null)
            {
                items.Add(new BlobProperties(name, length, md5, etag, modified, contentType));
                (name, length, md5, etag, contentType, modified) = (null, 0, [], "", null, DateTimeOffset.MinValue);
                continue;
            }

            if (reader.NodeType != XmlNodeType.Element || reader.IsEmptyElement)
            {
                continue;
            }

            switch (reader.Name)
            {
                case "Name":
                    name = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                    positioned = true;
                    break;
                case "Content-Length":
                    length = long.Parse(await reader.ReadElementContentAsStringAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
                    positioned = true;
                    break;
                case "Content-MD5":
                    md5 = Convert.FromBase64String(await reader.ReadElementContentAsStringAsync().ConfigureAwait(false));
                    positioned = true;
                    break;
                case "Etag":
                    etag = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                    positioned = true;
                    break;
                case "Content-Type":
                    contentType = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                    positioned = true;
                    break;
                case "Last-Modified":
                    modified = DateTimeOffset.Parse(await reader.ReadElementContentAsStringAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
                    positioned = true;
                    break;
                case "NextMarker":
                    nextMarker = await reader.ReadElementContentAsStringAsync().ConfigureAwait(false);
                    positioned = true;
                    break;
            }
        }

        return new Page(items, nextMarker);
    }
}
