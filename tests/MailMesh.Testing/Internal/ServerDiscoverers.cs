using Xunit.Abstractions;
using Xunit.Sdk;

namespace MailMesh.Testing.Internal;

/// <summary>Discovers <see cref="ServerFactAttribute"/> tests; turns a required, unreachable server into a failing test.</summary>
public sealed class ServerFactDiscoverer : FactDiscoverer
{
    /// <summary>Created by xunit.</summary>
    public ServerFactDiscoverer(IMessageSink diagnosticMessageSink)
        : base(diagnosticMessageSink)
    {
    }

    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(factAttribute);
        var problem = factAttribute.GetNamedArgument<string?>(nameof(ServerFactAttribute.RequiredServerProblem));
        return problem is null
            ? base.Discover(discoveryOptions, testMethod, factAttribute)
            : [new ExecutionErrorTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, problem)];
    }
}

/// <summary>Discovers <see cref="ServerTheoryAttribute"/> tests; turns a required, unreachable server into a failing test.</summary>
public sealed class ServerTheoryDiscoverer : TheoryDiscoverer
{
    /// <summary>Created by xunit.</summary>
    public ServerTheoryDiscoverer(IMessageSink diagnosticMessageSink)
        : base(diagnosticMessageSink)
    {
    }

    /// <inheritdoc />
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        ArgumentNullException.ThrowIfNull(theoryAttribute);
        var problem = theoryAttribute.GetNamedArgument<string?>(nameof(ServerTheoryAttribute.RequiredServerProblem));
        return problem is null
            ? base.Discover(discoveryOptions, testMethod, theoryAttribute)
            : [new ExecutionErrorTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, problem)];
    }
}
