namespace MailMesh.Testing;

/// <summary>
/// Skips the running test from inside its body, for decisions that attributes cannot make (a
/// contract test whose backend needs a server). Works in tests marked
/// <see cref="SkippableFactAttribute"/> or <see cref="SkippableTheoryAttribute"/>; in a plain
/// <c>[Fact]</c> the <see cref="SkipTestException"/> fails the test with the reason.
/// </summary>
public static class Skip
{
    /// <summary>Skips the test with <paramref name="reason"/> when <paramref name="condition"/> is true.</summary>
    public static void If(bool condition, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (condition)
        {
            throw new SkipTestException(reason);
        }
    }

    /// <summary>Skips the test with <paramref name="reason"/> when <paramref name="condition"/> is false.</summary>
    public static void IfNot(bool condition, string reason) => If(!condition, reason);
}

/// <summary>Thrown by <see cref="Skip"/>; a skippable test that throws it is reported as skipped.</summary>
public sealed class SkipTestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SkipTestException()
    {
    }

    /// <summary>Creates the exception with the skip reason.</summary>
    public SkipTestException(string reason)
        : base(reason)
    {
    }

    /// <summary>Creates the exception with the skip reason and an inner exception.</summary>
    public SkipTestException(string reason, Exception innerException)
        : base(reason, innerException)
    {
    }
}

/// <summary>A fact that may skip itself at run time with <see cref="Skip.If"/> or <see cref="TestServers.Require"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[Xunit.Sdk.XunitTestCaseDiscoverer("MailMesh.Testing.Internal.SkippableFactDiscoverer", "MailMesh.Testing")]
public sealed class SkippableFactAttribute : FactAttribute
{
}

/// <summary>A theory whose cases may skip themselves at run time with <see cref="Skip.If"/> or <see cref="TestServers.Require"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
[Xunit.Sdk.XunitTestCaseDiscoverer("MailMesh.Testing.Internal.SkippableTheoryDiscoverer", "MailMesh.Testing")]
public sealed class SkippableTheoryAttribute : TheoryAttribute
{
}
