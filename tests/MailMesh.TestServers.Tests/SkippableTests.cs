using MailMesh.Testing;
using MailMesh.Testing.Internal;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace MailMesh.SmokeTests;

public sealed class SkippableTests
{
    [Fact]
    public async Task RunAsync_TestCallsSkipIf_IsReportedSkippedWithTheReason()
    {
        var (summary, messages) = await RunSampleAsync(nameof(SkippableSamples.SkipsItself));

        Assert.Equal(1, summary.Total);
        Assert.Equal(1, summary.Skipped);
        Assert.Equal(0, summary.Failed);
        var skipped = Assert.Single(messages.OfType<ITestSkipped>());
        Assert.Equal("Azurite is not running here", skipped.Reason);
        Assert.Empty(messages.OfType<ITestFailed>());
    }

    [Fact]
    public async Task RunAsync_TestThrowsAnotherException_IsReportedFailed()
    {
        var (summary, messages) = await RunSampleAsync(nameof(SkippableSamples.Fails));

        Assert.Equal(1, summary.Failed);
        Assert.Equal(0, summary.Skipped);
        var failed = Assert.Single(messages.OfType<ITestFailed>());
        Assert.Equal(typeof(InvalidOperationException).FullName, failed.ExceptionTypes[0]);
    }

    [Fact]
    public async Task RunAsync_TestPasses_IsReportedPassed()
    {
        var (summary, messages) = await RunSampleAsync(nameof(SkippableSamples.Passes));

        Assert.True(summary.Failed == 0, string.Join(" | ", messages.OfType<ITestFailed>().SelectMany(f => f.Messages.Concat(f.StackTraces))));
        Assert.Equal(0, summary.Skipped);
        Assert.Single(messages.OfType<ITestPassed>());
    }

    [Fact]
    public void SkipIf_ConditionFalse_DoesNotThrow()
    {
        Skip.If(false, "not skipped");
        var e = Assert.Throws<SkipTestException>(() => Skip.IfNot(false, "skipped"));
        Assert.Equal("skipped", e.Message);
    }

    private static async Task<(RunSummary Summary, List<IMessageSinkMessage> Messages)> RunSampleAsync(string methodName)
    {
        var type = typeof(SkippableSamples);
        var assembly = new TestAssembly(new ReflectionAssemblyInfo(type.Assembly));
        var testClass = new TestClass(new TestCollection(assembly, null, "samples"), new ReflectionTypeInfo(type));
        var testMethod = new TestMethod(testClass, new ReflectionMethodInfo(type.GetMethod(methodName)!));
        var sink = new CollectingSink();
        var testCase = new SkippableFactTestCase(sink, TestMethodDisplay.Method, TestMethodDisplayOptions.None, testMethod);
        using var bus = new CollectingBus();
        using var cts = new CancellationTokenSource();

        var summary = await testCase.RunAsync(sink, bus, [], new ExceptionAggregator(), cts);

        return (summary, bus.Messages);
    }

    private sealed class CollectingSink : LongLivedMarshalByRefObject, IMessageSink
    {
        public bool OnMessage(IMessageSinkMessage message) => true;
    }

    private sealed class CollectingBus : IMessageBus
    {
        public List<IMessageSinkMessage> Messages { get; } = [];

        public bool QueueMessage(IMessageSinkMessage message)
        {
            lock (Messages)
            {
                Messages.Add(message);
            }

            return true;
        }

        public void Dispose()
        {
            // Nothing to release: messages stay for the assertions.
        }
    }

    // Run only by the tests above through a hand-made test case: not public, so discovery skips them.
#pragma warning disable xUnit1000 // Test classes must be public
    private sealed class SkippableSamples
#pragma warning restore xUnit1000
    {
        [SkippableFact]
        public void SkipsItself() => Skip.If(true, "Azurite is not running here");

        [SkippableFact]
        public void Fails() => throw new InvalidOperationException("boom");

        [SkippableFact]
        public void Passes()
        {
            Assert.True(true);
        }
    }
}
