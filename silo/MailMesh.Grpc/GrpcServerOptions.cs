using System.IO.Compression;
using MailMesh.Grpc.Internal;
using Microsoft.Extensions.Options;

namespace MailMesh.Grpc;

/// <summary>Limits and behaviour of the gRPC server.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The default limit for one received message: 4 MiB, as in other gRPC servers.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The default of <see cref="ResponseCompressionMinSize"/>: 1 KiB.</summary>
    public const int DefaultResponseCompressionMinSize = 1024;

    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent (before compression); null for no limit. Larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int? MaxSendMessageSize { get; set; }

    /// <summary>
    /// The encoding for response messages, <c>gzip</c> or <c>deflate</c>; null (the default)
    /// sends them uncompressed. Used only for clients that list it in <c>grpc-accept-encoding</c>;
    /// a handler can choose per call with <see cref="ServerCallContext.ResponseCompressionAlgorithm"/>.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>Response messages smaller than this many bytes are sent uncompressed even when compression is on (default 1 KiB).</summary>
    public int ResponseCompressionMinSize { get; set; } = DefaultResponseCompressionMinSize;

    /// <summary>The compression level of response messages (default <see cref="CompressionLevel.Fastest"/>).</summary>
    public CompressionLevel ResponseCompressionLevel { get; set; } = CompressionLevel.Fastest;
}

internal sealed class GrpcServerOptionsValidator : IValidateOptions<GrpcServerOptions>
{
    public ValidateOptionsResult Validate(string? name, GrpcServerOptions options)
    {
        if (options.MaxReceiveMessageSize <= 0)
        {
            return ValidateOptionsResult.Fail(
                $"Grpc:MaxReceiveMessageSize is {options.MaxReceiveMessageSize}; set it to a positive number of bytes (default {GrpcServerOptions.DefaultMaxReceiveMessageSize}).");
        }

        if (options.MaxSendMessageSize is <= 0)
        {
            return ValidateOptionsResult.Fail(
                $"Grpc:MaxSendMessageSize is {options.MaxSendMessageSize}; set it to a positive number of bytes or leave it unset for no limit.");
        }

        if (options.ResponseCompressionAlgorithm is { } algorithm && !MessageCompression.IsCompression(algorithm))
        {
            return ValidateOptionsResult.Fail(
                $"Grpc:ResponseCompressionAlgorithm is '{algorithm}'; set it to gzip or deflate, or leave it unset to send responses uncompressed.");
        }

        if (options.ResponseCompressionMinSize < 0)
        {
            return ValidateOptionsResult.Fail(
                $"Grpc:ResponseCompressionMinSize is {options.ResponseCompressionMinSize}; set it to 0 or more bytes (default {GrpcServerOptions.DefaultResponseCompressionMinSize}).");
        }

        if (!Enum.IsDefined(options.ResponseCompressionLevel))
        {
            return ValidateOptionsResult.Fail(
                $"Grpc:ResponseCompressionLevel is {(int)options.ResponseCompressionLevel}; set it to Optimal, Fastest, NoCompression or SmallestSize.");
        }

        return ValidateOptionsResult.Success;
    }
}
