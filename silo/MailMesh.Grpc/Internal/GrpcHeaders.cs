using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MailMesh.Grpc.Internal;

/// <summary>Header names of the wire protocol and the conversion of metadata to and from HTTP headers.</summary>
internal static class GrpcHeaders
{
    public const string ContentType = "application/grpc";
    public const string Status = "grpc-status";
    public const string Message = "grpc-message";
    public const string Timeout = "grpc-timeout";
    public const string Encoding = "grpc-encoding";
    public const string AcceptEncoding = "grpc-accept-encoding";

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "content-length", "te", "host", "user-agent", "accept-encoding", "connection",
        Timeout, Encoding, AcceptEncoding, Status, Message,
    };

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // application/grpc, application/grpc+proto, application/grpc;charset=... — but not application/grpc-web.
        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    /// <summary>The client's custom metadata; throws INTERNAL for a -bin value that is not base64.</summary>
    public static Metadata ReadRequestMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (key.StartsWith(':') || Reserved.Contains(key))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (Metadata.Entry.IsBinaryKey(key))
                {
                    metadata.Add(key.ToLowerInvariant(), DecodeBinary(key, value));
                }
                else
                {
                    metadata.Add(Metadata.Entry.Text(key.ToLowerInvariant(), value));
                }
            }
        }

        return metadata;
    }

    public static void Write(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            var value = entry.IsBinary ? EncodeBinary(entry.ValueBytes!) : entry.Value!;
            headers[entry.Key] = StringValues.Concat(headers[entry.Key], value);
        }
    }

    public static void WriteTrailers(HttpResponse response, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            response.AppendTrailer(entry.Key, entry.IsBinary ? EncodeBinary(entry.ValueBytes!) : entry.Value!);
        }
    }

    /// <summary>Base64 without padding, as the protocol recommends for sending.</summary>
    public static string EncodeBinary(byte[] value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Base64 with or without padding, as the protocol requires for receiving.</summary>
    public static byte[] DecodeBinary(string key, string value)
    {
        var trimmed = value.Trim();
        var padded = (trimmed.Length % 4) switch
        {
            2 => trimmed + "==",
            3 => trimmed + "=",
            _ => trimmed,
        };
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            throw new RpcException(StatusCode.Internal, $"metadata '{key}' ends in -bin but its value is not base64");
        }
    }
}
