using System.ComponentModel;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MailMesh.Testing.Internal;

/// <summary>Discovers <see cref="SkippableFactAttribute"/> tests.</summary>
public sealed class SkippableFactDiscoverer : IXunitTestCaseDiscoverer
{
    private readonly IMessageSink _diagnosticMessageSink;

    /// <summary>Created by xunit.</summary>
    public SkippableFactDiscoverer(IMessageSink diagnosticMessageSink) => _diagnosticMessageSink = diagnosticMessageSink;

    /// <inheritdoc />
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        return [new SkippableFactTestCase(_diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
    }
}

/// <summary>Discovers <see cref="SkippableTheoryAttribute"/> tests.</summary>
public sealed class SkippableTheoryDiscoverer : TheoryDiscoverer
{
    /// <summary>Created by xunit.</summary>
    public SkippableTheoryDiscoverer(IMessageSink diagnosticMessageSink)
        : base(diagnosticMessageSink)
    {
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForDataRow(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute, object[] dataRow)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        return [new SkippableFactTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod, dataRow)];
    }

    /// <inheritdoc />
    protected override IEnumerable<IXunitTestCase> CreateTestCasesForTheory(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute)
    {
        ArgumentNullException.ThrowIfNull(discoveryOptions);
        return [new SkippableTheoryTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
    }
}

/// <summary>A fact (or one theory data row) whose <see cref="SkipTestException"/> is reported as a skip.</summary>
public sealed class SkippableFactTestCase : XunitTestCase
{
    /// <summary>For the deserializer only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableFactTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public SkippableFactTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod, object[]? testMethodArguments = null)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod, testMethodArguments)
    {
    }

    /// <inheritdoc />
    public override Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource) =>
        SkippingMessageBus.RunAsync(messageBus, bus => base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource));
}

/// <summary>A theory enumerated at run time whose <see cref="SkipTestException"/>s are reported as skips.</summary>
public sealed class SkippableTheoryTestCase : XunitTheoryTestCase
{
    /// <summary>For the deserializer only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public SkippableTheoryTestCase()
    {
    }

    /// <summary>Creates the test case.</summary>
    public SkippableTheoryTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    /// <inheritdoc />
    public override Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus, object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource) =>
        SkippingMessageBus.RunAsync(messageBus, bus => base.RunAsync(diagnosticMessageSink, bus, constructorArguments, aggregator, cancellationTokenSource));
}

/// <summary>Turns "test failed with <see cref="SkipTestException"/>" messages into "test skipped".</summary>
internal sealed class SkippingMessageBus : IMessageBus
{
    private static readonly string s_skipExceptionType = typeof(SkipTestException).FullName!;
    private readonly IMessageBus _inner;
    private int _skipped;

    private SkippingMessageBus(IMessageBus inner) => _inner = inner;

    public static async Task<RunSummary> RunAsync(IMessageBus messageBus, Func<IMessageBus, Task<RunSummary>> run)
    {
        var bus = new SkippingMessageBus(messageBus);
        var summary = await run(bus).ConfigureAwait(false);
        if (bus._skipped > 0)
        {
            summary.Failed -= bus._skipped;
            summary.Skipped += bus._skipped;
        }

        return summary;
    }

    public bool QueueMessage(IMessageSinkMessage message)
    {
        if (message is ITestFailed failed && failed.ExceptionTypes.Length > 0 && failed.ExceptionTypes[0] == s_skipExceptionType)
        {
            Interlocked.Increment(ref _skipped);
            return _inner.QueueMessage(new TestSkipped(failed.Test, failed.Messages.FirstOrDefault() ?? "skipped"));
        }

        return _inner.QueueMessage(message);
    }

    public void Dispose()
    {
        // The inner bus belongs to the caller, which disposes it.
    }
}
