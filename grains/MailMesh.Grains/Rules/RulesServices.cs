using MailMesh.Blobs;
using MailMesh.Protocols.Smtp;
using MailMesh.Rules;
using MailMesh.Rules.Replies;
using MailMesh.Rules.Spam;
using MailMesh.Sieve;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailMesh.Grains.Rules;

/// <summary>What the rules grain needs (registered by <see cref="RulesServiceCollectionExtensions.AddMailboxRules"/>).</summary>
public sealed class RulesServices
{
    /// <summary>Creates the services.</summary>
    public RulesServices(IOptions<RulesOptions> options, IBlobStore blobs, ILoggerFactory? loggerFactory = null, ISpamScorer? scorer = null)
    {
        Options = options.Value;
        Blobs = blobs;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Scorer = scorer ?? (string.IsNullOrWhiteSpace(Options.Spamd.Host)
            ? new HeuristicSpamScorer()
            : new SpamdScorer(new SpamdOptions { Host = Options.Spamd.Host, Port = Options.Spamd.Port, Timeout = Options.Spamd.Timeout }, LoggerFactory.CreateLogger<SpamdScorer>()));
        Evaluator = new RuleEvaluator(Scorer);
        SenderRewriter = Options.Srs.Enabled && Options.Srs.Secrets.Exists(s => !string.IsNullOrEmpty(s)) ? new SenderRewriter(Options.Srs) : null;
    }

    /// <summary>Rewrites envelope senders of redirects (SRS), or null when <c>Rules:Srs</c> has no secret.</summary>
    public SenderRewriter? SenderRewriter { get; }

    /// <summary>Options.</summary>
    public RulesOptions Options { get; }

    /// <summary>Raw messages.</summary>
    public IBlobStore Blobs { get; }

    /// <summary>Logging.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>The spam scorer spamtest uses.</summary>
    public ISpamScorer Scorer { get; }

    /// <summary>Runs scripts over raw messages.</summary>
    public RuleEvaluator Evaluator { get; }

    /// <summary>Compiles scripts (every built-in extension, default limits).</summary>
    public SieveCompiler Compiler { get; } = new();

    /// <summary>Opens an authenticated submission session, or throws when none is configured.</summary>
    public async Task<SmtpClient> ConnectSmtpAsync(CancellationToken cancellationToken)
    {
        var smtp = Options.Smtp;
        if (string.IsNullOrWhiteSpace(smtp.Host))
        {
            throw new InvalidOperationException("No SMTP submission server is configured for rules: set Rules:Smtp:Host (and Port, Tls, UserName, Password).");
        }

        var tls = new MailMesh.Protocols.MailTlsOptions();
        if (!string.IsNullOrWhiteSpace(smtp.TrustedCertificateThumbprint))
        {
            tls.TrustedCertificateThumbprints.Add(smtp.TrustedCertificateThumbprint);
        }

        var client = new SmtpClient(
            new SmtpClientOptions { Host = smtp.Host, Port = smtp.Port, Tls = smtp.Tls, TlsOptions = tls, LocalDomain = smtp.LocalDomain },
            LoggerFactory.CreateLogger<SmtpClient>());
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(smtp.UserName))
            {
                await client.AuthenticateAsync(smtp.UserName, smtp.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>Registers the rules grain's services.</summary>
public static class RulesServiceCollectionExtensions
{
    /// <summary>Adds rules: options from the <c>Rules</c> section (SMTP submission, spamd). Needs a blob store
    /// (registered by mailbox sync).</summary>
    public static IServiceCollection AddMailboxRules(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<RulesOptions>().Bind(configuration.GetSection(RulesOptions.Section));
        services.TryAddSingleton<RulesServices>();
        return services;
    }
}
