namespace MailMesh.Mime.Tests;

public sealed class CorpusRoundTripTests(ITestOutputHelper output)
{
    [Fact]
    public void WriteTo_EveryCorpusMessageParsedUnchanged_IsByteIdentical()
    {
        var root = CorpusLocator.SharedDir is null ? null : Path.Combine(CorpusLocator.SharedDir, "corpus");
        if (root is null || !Directory.Exists(root))
        {
            output.WriteLine(CorpusLocator.SkipReason("round-trip over the corpus"));
            return;
        }

        var files = CorpusLocator.MessageFiles(root).ToList();
        var failures = new List<string>();
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            var message = MimeMessage.Parse(bytes);
            var written = message.ToBytes();
            if (!written.AsSpan().SequenceEqual(bytes))
            {
                failures.Add($"{Path.GetRelativePath(root, file)}: {bytes.Length} bytes in, {written.Length} out");
            }
        }

        output.WriteLine($"round-trip: {files.Count - failures.Count}/{files.Count} files byte-identical");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
        Assert.True(files.Count > 100, $"expected the corpus to hold more than 100 files, found {files.Count}");
    }
}
