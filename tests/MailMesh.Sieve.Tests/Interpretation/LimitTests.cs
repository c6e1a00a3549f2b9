using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Tests.Support;

namespace MailMesh.Sieve.Tests.Interpretation;

/// <summary>Scripts over the per-message limits fail at run time with a clear error and keep the message.</summary>
public sealed class LimitTests
{
    [Fact]
    public void Execute_MoreActionsThanTheLimit_FailsWithImplicitKeep()
    {
        var options = new SieveExecutionOptions { Limits = new SieveLimits { MaxActions = 3 } };
        var result = SieveTestHost.Run("require \"fileinto\"; fileinto \"a\"; fileinto \"b\"; fileinto \"c\"; fileinto \"d\";", options: options);
        Assert.False(result.Succeeded);
        Assert.Contains("too many actions", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("3 per message", result.Error.Message, StringComparison.Ordinal);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_MoreRedirectsThanTheLimit_FailsWithImplicitKeep()
    {
        var options = new SieveExecutionOptions { Limits = new SieveLimits { MaxRedirects = 2 } };
        var result = SieveTestHost.Run("redirect \"a@example.org\"; redirect \"b@example.org\"; redirect \"c@example.org\";", options: options);
        Assert.False(result.Succeeded);
        Assert.Contains("too many redirects", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_SameRedirectTwice_CountsOnce()
    {
        var options = new SieveExecutionOptions { Limits = new SieveLimits { MaxRedirects = 1 } };
        var result = SieveTestHost.Run("redirect \"a@example.org\"; redirect \"A@example.org\";", options: options);
        Assert.True(result.Succeeded);
        Assert.Equal("redirect a@example.org", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_CatastrophicRegexInBody_TimesOutWithImplicitKeep()
    {
        var message = "Subject: x\r\n\r\n" + new string('a', 5000) + "!\r\n";
        var options = new SieveExecutionOptions { Limits = new SieveLimits { RegexTimeout = TimeSpan.FromMilliseconds(50) } };
        var result = SieveTestHost.Run("require [\"body\", \"regex\"]; if body :raw :regex \"^(a+)+$\" { discard; }", message, options);
        Assert.False(result.Succeeded);
        Assert.Contains("ran longer than 50 ms", result.Error!.Message, StringComparison.Ordinal);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
    }

    [Fact]
    public void Execute_RegexFromVariablesInvalid_WarnsAndMatchesNothing()
    {
        var result = SieveTestHost.Run("require [\"regex\", \"variables\", \"fileinto\"]; set \"r\" \"[\"; if header :regex \"to\" \"${r}\" { fileinto \"x\"; }");
        Assert.True(result.Succeeded);
        Assert.Equal("implicit-keep", SieveTestHost.Describe(result));
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("invalid regular expression '['", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_OverSizeLimit_SaysTheLimit()
    {
        var compilation = SieveTestHost.TryCompile("keep;" + new string(' ', 300), new SieveLimits { MaxScriptSize = 256 });
        Assert.False(compilation.Success);
        Assert.Contains("256", compilation.Errors.First().Message, StringComparison.Ordinal);
    }
}
