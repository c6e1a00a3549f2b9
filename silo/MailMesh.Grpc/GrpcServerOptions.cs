using Microsoft.Extensions.Options;

namespace MailMesh.Grpc;

/// <summary>Limits and behaviour of the gRPC server.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>The default limit for one received message: 4 MiB, as in other gRPC servers.</summary>
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>Largest request message accepted (after decompression); larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageSize { get; set; } = DefaultMaxReceiveMessageSize;

    /// <summary>Largest response message sent; null for no limit. Larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    public int? MaxSendMessageSize { get; set; }
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

        return ValidateOptionsResult.Success;
    }
}
