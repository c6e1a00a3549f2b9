using System.Diagnostics;
using System.Text;
using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Tests.Support;
using MailMesh.Testing;

namespace MailMesh.Sieve.Tests.Conformance;

/// <summary>
/// Seeded, bounded fuzzing: mutated scripts must never hang, never overflow the stack (that would
/// kill the test host), and only ever throw <see cref="SieveParseException"/> from
/// <see cref="SieveCompiler.CompileOrThrow"/>; execution never throws at all.
/// </summary>
public sealed class FuzzTests
{
    private static readonly string[] Fragments =
    [
        "{", "}", "(", ")", "[", "]", ",", ";", "\"", "text:\r\n", "\r\n.\r\n", "/*", "*/", "#", ":", ":is", ":matches", ":regex",
        ":count \"ge\"", "if", "elsif", "else", "anyof", "allof", "not", "${", "${1}", "${hex:4", "${unicode:110000}", "\\", "999999999999999999999",
        "1G", "K", "header", "address", "envelope", "body", "include", "stop", "set", "\"*?*?*?*?*?*?*?\"", "\"(a+)+$\"", "\u00e9", "\0",
    ];

    private static readonly string[] Seeds =
    [
        "require [\"fileinto\", \"variables\", \"regex\"];\nif header :matches \"subject\" \"*[*]*\" { fileinto \"x.${2}\"; } elsif address :domain \"from\" \"example.org\" { discard; } else { keep; }",
        "require [\"vacation\", \"relational\", \"comparator-i;ascii-numeric\"];\nif header :count \"ge\" :comparator \"i;ascii-numeric\" \"received\" \"3\" { vacation :days 3 text:\nAway\n.\n; }",
        "require [\"imap4flags\", \"body\", \"editheader\"];\naddflag \"\\\\Seen\"; if body :text :contains \"hello\" { addheader \"X-Hello\" \"1\"; deleteheader \"subject\"; }",
    ];

    [Fact]
    public void CompileAndRun_MutatedSeedScripts_NeverHangOrThrowUndocumented()
    {
        Fuzz(Seeds, seed: 20261122, iterations: 1500);
    }

    [SharedCorpusFact]
    public void CompileAndRun_MutatedCorpusScripts_NeverHangOrThrowUndocumented()
    {
        var scripts = SharedCorpus.Files("sieve", "*.sieve").Concat(SharedCorpus.Files("sieve", "*.svtest"))
            .Select(File.ReadAllText)
            .Where(s => s.Length < 20_000)
            .ToList();
        Assert.True(scripts.Count > 100, $"expected over 100 corpus scripts to mutate, found {scripts.Count}");
        Fuzz(scripts, seed: 5228, iterations: 2000);
    }

    private static void Fuzz(IReadOnlyList<string> scripts, int seed, int iterations)
    {
        var random = new Random(seed);
        var compiler = new SieveCompiler(null, new SieveLimits { MaxScriptSize = 64 * 1024 });
        var interpreter = new SieveInterpreter(new SieveExecutionOptions
        {
            Limits = new SieveLimits { MaxSteps = 50_000, MaxExecutionTime = TimeSpan.FromSeconds(2), RegexTimeout = TimeSpan.FromMilliseconds(20) },
            ScriptResolver = new LoopResolver(),
        });
        var message = TestMessage.Parse(SieveTestHost.SimpleMessage);
        for (var i = 0; i < iterations; i++)
        {
            var script = Mutate(scripts[random.Next(scripts.Count)], random);
            var watch = Stopwatch.StartNew();
            SieveScript? compiled = null;
            try
            {
                compiled = compiler.CompileOrThrow(script, "fuzz");
            }
            catch (SieveParseException e)
            {
                Assert.NotEmpty(e.Diagnostics);
            }

            if (compiled is not null)
            {
                var result = interpreter.Execute(compiled, message, new Messages.SieveEnvelope("a@example.org", "b@example.org"));
                Assert.NotEmpty(result.Actions);
            }

            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"iteration {i} (seed {seed}) took {watch.Elapsed} on script:\n{script}");
        }
    }

    private static string Mutate(string script, Random random)
    {
        var text = new StringBuilder(script);
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations; m++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length);
            switch (random.Next(5))
            {
                case 0 when text.Length > 0:
                    text.Remove(at, Math.Min(random.Next(1, 20), text.Length - at));
                    break;
                case 1:
                    text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                    break;
                case 2 when text.Length > 0:
                    var length = Math.Min(random.Next(1, 200), text.Length - at);
                    var copy = text.ToString(at, length);
                    text.Insert(random.Next(text.Length), string.Concat(Enumerable.Repeat(copy, random.Next(1, 4))));
                    break;
                case 3:
                    text.Insert(at, (char)random.Next(0, 128));
                    break;
                default:
                    text.Insert(at, string.Concat(Enumerable.Repeat("if true { ", random.Next(1, 60))));
                    break;
            }
        }

        return text.ToString();
    }

    // Every include resolves to a script that includes itself: exercises loop detection.
    private sealed class LoopResolver : ISieveScriptResolver
    {
        public string? Resolve(string name, SieveScriptLocation location) => $"require \"include\"; include \"{name}\";";
    }
}
