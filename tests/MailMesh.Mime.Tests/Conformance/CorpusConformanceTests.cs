using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MailMesh.Mime.Mbox;

namespace MailMesh.Mime.Tests.Conformance;

public sealed class CorpusConformanceTests(ITestOutputHelper output)
{
    [Fact]
    public void Parse_EveryCorpusMessageWithDecoding_NoExceptionWithinLimits()
    {
        var root = CorpusLocator.SharedDir is null ? null : Path.Combine(CorpusLocator.SharedDir, "corpus");
        if (root is null || !Directory.Exists(root))
        {
            output.WriteLine(CorpusLocator.SkipReason("corpus parse"));
            return;
        }

        var count = 0;
        var parts = 0;
        var buffer = new ArrayBufferWriter<byte>();
        foreach (var file in CorpusLocator.MessageFiles(root))
        {
            var message = MimeMessage.Parse(File.ReadAllBytes(file));
            foreach (var entity in message.Descendants())
            {
                Assert.True(entity.Depth <= ParserOptions.Default.MaxPartDepth, file);
                if (entity is MimePart part)
                {
                    buffer.Clear();
                    part.DecodeTo(buffer);
                    _ = part.IsText ? part.GetText() : null;
                    parts++;
                }
            }

            _ = message.Subject;
            _ = message.From;
            _ = message.To;
            _ = message.Date;
            _ = message.References;
            _ = message.Attachments;
            count++;
        }

        output.WriteLine($"parsed and decoded {count} corpus files ({parts} leaf parts) without exception");
        Assert.True(count > 100);
    }

    [Fact]
    public void Mime4jExpectedStructure_AgreementRateIsReported()
    {
        var dir = CorpusLocator.MimeDir;
        if (dir is null)
        {
            output.WriteLine(CorpusLocator.SkipReason("mime4j conformance"));
            return;
        }

        var report = new ConformanceReport("james-mime4j .xml structure");
        var decoded = new ConformanceReport("james-mime4j _decoded_*.txt bodies");
        foreach (var xml in Directory.EnumerateFiles(Path.Combine(dir, "mime4j"), "*.xml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (xml.EndsWith("_decoded.xml", StringComparison.Ordinal))
            {
                continue;
            }

            var msg = Path.ChangeExtension(xml, ".msg");
            if (!File.Exists(msg))
            {
                continue;
            }

            var message = MimeMessage.Parse(File.ReadAllBytes(msg));
            var expected = Encoding.Latin1.GetString(File.ReadAllBytes(xml));
            var rendered = Mime4jXml.Render(message);
            report.Check(Mime4jXml.Same(expected, rendered), Path.GetFileName(msg));
            var dump = Environment.GetEnvironmentVariable("MAILMESH_CONFORMANCE_DUMP");
            if (!string.IsNullOrEmpty(dump))
            {
                // Debug aid: writes our rendering next to a copy of the expectation for diffing.
                Directory.CreateDirectory(dump);
                File.WriteAllText(Path.Combine(dump, Path.GetFileName(xml) + ".actual"), rendered.Replace("\r", string.Empty, StringComparison.Ordinal), Encoding.Latin1);
                File.WriteAllText(Path.Combine(dump, Path.GetFileName(xml) + ".expected"), expected.Replace("\r", string.Empty, StringComparison.Ordinal), Encoding.Latin1);
            }
            CheckDecodedBodies(message, msg, decoded);
        }

        output.WriteLine(report.Summary);
        output.WriteLine("  disagreements: " + string.Join(", ", report.Disagreements));
        output.WriteLine(decoded.Summary);
        output.WriteLine("  disagreements: " + string.Join(", ", decoded.Disagreements));
        Assert.True(report.Total > 50, "expected the mime4j expectation files");
        Assert.True(report.Rate >= 0.75, report.Summary);
        Assert.True(decoded.Rate >= 0.9, decoded.Summary);
    }

    private static void CheckDecodedBodies(MimeMessage message, string msgPath, ConformanceReport report)
    {
        var prefix = Path.ChangeExtension(msgPath, null) + "_decoded_";
        var dir = Path.GetDirectoryName(msgPath)!;
        foreach (var file in Directory.EnumerateFiles(dir, Path.GetFileName(prefix) + "*"))
        {
            var path = Path.GetFileNameWithoutExtension(file)[Path.GetFileName(prefix).Length..].Split('_');
            var entity = Navigate(message, path);
            var expected = File.ReadAllBytes(file);
            var actual = entity is MimePart part ? part.GetDecodedBytes() : null;
            report.Check(actual is not null && actual.AsSpan().SequenceEqual(expected), Path.GetFileName(file));
            var dump = Environment.GetEnvironmentVariable("MAILMESH_CONFORMANCE_DUMP");
            if (!string.IsNullOrEmpty(dump) && actual is not null)
            {
                File.WriteAllBytes(Path.Combine(dump, Path.GetFileName(file) + ".actual"), actual);
            }
        }
    }

    /// <summary>Follows mime4j's numbering: "1" is the message body, then 1-based child indexes; embedded messages add a level.</summary>
    private static MimeEntity? Navigate(MimeMessage message, string[] path)
    {
        MimeEntity? current = message.Body;
        for (var i = 1; i < path.Length && current is not null; i++)
        {
            if (!int.TryParse(path[i], CultureInfo.InvariantCulture, out var index))
            {
                return null;
            }

            current = current switch
            {
                Multipart m when index - 1 < m.Children.Count => m.Children[index - 1],
                MessagePart mp when index == 1 => mp.Message.Body,
                _ => null,
            };
        }

        return current;
    }

    [Fact]
    public void PeclExpectedStructure_AgreementRateIsReported()
    {
        var dir = CorpusLocator.MimeDir;
        if (dir is null)
        {
            output.WriteLine(CorpusLocator.SkipReason("pecl conformance"));
            return;
        }

        var report = new ConformanceReport("pecl-mailparse .exp fields (content-type, boundary, offsets)");
        foreach (var exp in Directory.EnumerateFiles(Path.Combine(dir, "pecl-mailparse"), "*.exp", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var txt = Path.ChangeExtension(exp, ".txt");
            if (!File.Exists(txt))
            {
                continue;
            }

            var message = MimeMessage.Parse(File.ReadAllBytes(txt));
            var entities = PeclNumbering(message);
            foreach (var (partName, fields) in PeclExp.Parse(File.ReadAllText(exp)))
            {
                var label = $"{Path.GetFileName(exp)} part {partName}";
                if (!entities.TryGetValue(partName, out var entity))
                {
                    report.Check(false, label + " missing");
                    continue;
                }

                Compare(report, label, fields, "content-type", entity.ContentType.MimeType);
                Compare(report, label, fields, "content-boundary", entity is Multipart mp ? mp.Boundary : null);
                Compare(report, label, fields, "starting-pos", entity.Offset.ToString(CultureInfo.InvariantCulture));
                Compare(report, label, fields, "starting-pos-body", entity.BodyOffset.ToString(CultureInfo.InvariantCulture));
                Compare(report, label, fields, "ending-pos", entity.EndOffset.ToString(CultureInfo.InvariantCulture));
                Compare(report, label, fields, "disposition-filename", (entity as MimePart)?.ContentDisposition?.FileName);
            }
        }

        output.WriteLine(report.Summary);
        output.WriteLine("  disagreements: " + string.Join("; ", report.Disagreements));
        Assert.True(report.Total > 20, "expected the pecl expectation files");
        Assert.True(report.Rate >= 0.6, report.Summary);
    }

    private static void Compare(ConformanceReport report, string label, Dictionary<string, string> fields, string key, string? actual)
    {
        if (fields.TryGetValue(key, out var expected))
        {
            report.Check(string.Equals(expected, actual, StringComparison.OrdinalIgnoreCase), $"{label} {key}: expected {expected}, got {actual}");
        }
    }

    /// <summary>pecl numbers parts "1", "1.1", "1.2", ... and descends into message/rfc822.</summary>
    private static Dictionary<string, MimeEntity> PeclNumbering(MimeMessage message)
    {
        var map = new Dictionary<string, MimeEntity>();
        var stack = new Stack<(MimeEntity Entity, string Name)>();
        stack.Push((message.Body, "1"));
        while (stack.Count > 0)
        {
            var (entity, name) = stack.Pop();
            map[name] = entity;
            if (entity is Multipart m)
            {
                for (var i = m.Children.Count - 1; i >= 0; i--)
                {
                    stack.Push((m.Children[i], name + "." + (i + 1).ToString(CultureInfo.InvariantCulture)));
                }
            }
            else if (entity is MessagePart { IsInline: true } mp)
            {
                stack.Push((mp.Message.Body, name + ".1"));
            }
        }

        return map;
    }

    [Fact]
    public void MimeKitMboxOffsets_AgreementRateIsReported()
    {
        var dir = CorpusLocator.MimeDir;
        if (dir is null)
        {
            output.WriteLine(CorpusLocator.SkipReason("MimeKit mbox offsets"));
            return;
        }

        var report = new ConformanceReport("MimeKit mbox offsets (unix + dos)");
        foreach (var json in Directory.EnumerateFiles(Path.Combine(dir, "mimekit", "mbox"), "*-offsets.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(json);
            var mboxPath = Path.Combine(Path.GetDirectoryName(json)!, name[..name.IndexOf('.', StringComparison.Ordinal)] + ".mbox.txt");
            var data = File.ReadAllBytes(mboxPath);
            if (name.Contains(".dos-", StringComparison.Ordinal))
            {
                data = Writing.ContentEncoder.NormalizeCrlf(data);
            }

            var entries = new MboxReader(data, unquoteFrom: false).ReadMessages().ToList();
            using var doc = JsonDocument.Parse(File.ReadAllBytes(json));
            var expected = doc.RootElement.EnumerateArray().ToList();
            report.Check(expected.Count == entries.Count, $"{name}: {expected.Count} messages expected, {entries.Count} read");
            for (var i = 0; i < Math.Min(expected.Count, entries.Count); i++)
            {
                var e = expected[i];
                var entry = entries[i];
                var label = $"{name} #{i}";
                report.Check(e.GetProperty("mboxMarkerOffset").GetInt64() == entry.MarkerOffset, label + " marker");
                report.Check(e.GetProperty("beginOffset").GetInt64() == entry.Offset, label + " begin");
                report.Check(e.GetProperty("endOffset").GetInt64() == entry.EndOffset, label + " end");
                CompareEntity(report, label, e.GetProperty("body"), entry.Message.Body, entry.Offset);
            }
        }

        output.WriteLine(report.Summary);
        output.WriteLine("  disagreements: " + string.Join("; ", report.Disagreements.Take(40)));
        Assert.True(report.Total > 100);
        Assert.True(report.Rate >= 0.9, report.Summary);
    }

    private static void CompareEntity(ConformanceReport report, string label, JsonElement expected, MimeEntity entity, long baseOffset)
    {
        var stack = new Stack<(JsonElement Expected, MimeEntity Entity, string Label)>();
        stack.Push((expected, entity, label));
        while (stack.Count > 0)
        {
            var (e, actual, l) = stack.Pop();
            report.Check(string.Equals(e.GetProperty("mimeType").GetString(), actual.ContentType.MimeType, StringComparison.OrdinalIgnoreCase), $"{l} type {e.GetProperty("mimeType").GetString()} vs {actual.ContentType.MimeType}");
            report.Check(e.GetProperty("beginOffset").GetInt64() == baseOffset + actual.Offset, $"{l} begin {e.GetProperty("beginOffset").GetInt64()} vs {baseOffset + actual.Offset}");
            report.Check(e.GetProperty("headersEndOffset").GetInt64() == baseOffset + actual.BodyOffset, $"{l} headersEnd {e.GetProperty("headersEndOffset").GetInt64()} vs {baseOffset + actual.BodyOffset}");
            report.Check(e.GetProperty("endOffset").GetInt64() == baseOffset + actual.EndOffset, $"{l} end {e.GetProperty("endOffset").GetInt64()} vs {baseOffset + actual.EndOffset}");
            if (e.TryGetProperty("children", out var children) && actual is Multipart m)
            {
                var list = children.EnumerateArray().ToList();
                report.Check(list.Count == m.Children.Count, $"{l} children {list.Count} vs {m.Children.Count}");
                for (var i = 0; i < Math.Min(list.Count, m.Children.Count); i++)
                {
                    stack.Push((list[i], m.Children[i], $"{l}.{i + 1}"));
                }
            }
            else if (e.TryGetProperty("message", out var inner) && actual is MessagePart { IsInline: true } mp)
            {
                stack.Push((inner.GetProperty("body"), mp.Message.Body, l + ".msg"));
            }
        }
    }
}
