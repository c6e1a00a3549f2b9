using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using MailMesh.Rules;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Rules.Tests;

/// <summary>
/// The actions MailMesh decides equal what Pigeonhole's <c>sieve-test</c> prints for the same (script, message)
/// pairs. Skipped, saying why, when sieve-test (Debian dovecot-sieve) is not installed.
/// </summary>
public sealed partial class PigeonholeDifferentialTests
{
    private const string SieveTest = "/usr/bin/sieve-test";

    private const string Invoice = "Return-Path: <billing@vendor.example>\r\nFrom: Billing <billing@vendor.example>\r\nTo: Team <team@example.test>\r\n" +
        "Subject: Invoice 2026-11 for ACME\r\nMessage-ID: <inv.1@vendor.example>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nPlease pay by Friday.\r\n";

    private const string ListMail = "Return-Path: <dev-bounces@lists.example>\r\nFrom: Ann <ann+dev@lists.example>\r\nTo: dev@lists.example\r\nCc: team@example.test\r\n" +
        "Subject: [dev] Release 2.0 plan\r\nList-Id: <dev.lists.example>\r\nPrecedence: list\r\nMessage-ID: <rel.2@lists.example>\r\nContent-Type: text/plain\r\n\r\nThe release branch is cut.\r\n";

    private const string Multipart = "Return-Path: <bob@partner.example>\r\nFrom: bob@partner.example\r\nTo: team@example.test\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe_und_Angebot?=\r\n" +
        "Message-ID: <mp.3@partner.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nUnser Angebot: 20% Rabatt auf alles. Gr=C3=BC=C3=9Fe\r\n--b1\r\nContent-Type: text/html\r\n\r\n<p>Unser <b>Angebot</b></p>\r\n--b1--\r\n";

    public static TheoryData<string, string, string> Cases() => new()
    {
        { "fileinto-subject", Invoice, "require \"fileinto\";\nif header :contains \"subject\" \"invoice\" { fileinto \"Finance\"; }\n" },
        { "flags-keep", Invoice, "require [\"imap4flags\"];\nif header :matches \"subject\" \"Invoice *\" { addflag [\"\\\\Flagged\", \"$Billing\"]; keep; stop; }\ndiscard;\n" },
        { "list-routing", ListMail, "require [\"fileinto\", \"variables\"];\nif header :matches \"list-id\" \"<*.lists.example>\" { fileinto \"Lists/${1}\"; }\n" },
        { "address-parts", ListMail, "require [\"fileinto\", \"subaddress\"];\nif address :detail \"from\" \"dev\" { fileinto \"Dev\"; } else { keep; }\n" },
        { "anyof-not", Invoice, "if anyof (not exists \"message-id\", header :is \"x-spam\" \"yes\") { discard; }\n" },
        { "redirect-copy", Invoice, "require [\"copy\"];\nif address :domain \"from\" \"vendor.example\" { redirect :copy \"archive@example.test\"; }\n" },
        { "redirect-cancels-keep", Invoice, "redirect \"boss@example.test\";\n" },
        { "size", Invoice, "require \"fileinto\";\nif size :under 10K { fileinto \"Small\"; } else { fileinto \"Large\"; }\n" },
        { "body-text", Multipart, "require [\"body\", \"fileinto\"];\nif body :text :contains \"Rabatt\" { fileinto \"Offers\"; }\n" },
        { "encoded-subject", Multipart, "require \"fileinto\";\nif header :contains \"subject\" \"Grüße\" { fileinto \"Greetings\"; }\n" },
        { "relational", Invoice, "require [\"relational\", \"comparator-i;ascii-numeric\", \"fileinto\"];\nif header :value \"gt\" :comparator \"i;ascii-numeric\" \"x-priority\" \"2\" { fileinto \"Low\"; }\n" },
        { "regex", Invoice, "require [\"regex\", \"fileinto\", \"variables\"];\nif header :regex \"subject\" \"Invoice ([0-9]{4})-([0-9]{2})\" { fileinto \"Invoices/${1}\"; }\n" },
        { "vacation", Invoice, "require \"vacation\";\nvacation :days 7 :subject \"Away\" \"I am away until Monday.\";\n" },
        { "discard-stop", Invoice, "if true { discard; stop; }\nkeep;\n" },
        { "fileinto-twice", Invoice, "require \"fileinto\";\nfileinto \"A\";\nfileinto \"B\";\nfileinto \"A\";\n" },
    };

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public async Task Evaluate_Pair_ActionsEqualSieveTest(string name, string message, string script)
    {
        Skip.If(OperatingSystem.IsWindows() || !File.Exists(SieveTest), $"{SieveTest} is not installed (Debian package dovecot-sieve); the differential test needs Pigeonhole");
        var expected = await RunSieveTestAsync(name, script, message);
        var compiled = new SieveCompiler().CompileOrThrow(script);
        var evaluation = await new RuleEvaluator().EvaluateAsync(compiled, Encoding.UTF8.GetBytes(message));

        Assert.Null(evaluation.Error);
        Assert.Equal(expected, Normalize(evaluation.Actions));
    }

    /// <summary>The one known difference: sieve-test lists a vacation action for list mail because Pigeonhole applies the
    /// RFC 3834 checks (List-Id, Precedence) only when it sends; MailMesh applies them when it decides, so its dry runs
    /// show no reply. Both send nothing.</summary>
    [SkippableFact]
    public async Task Evaluate_VacationToListMail_SieveTestListsReplyMailMeshDecidesNone()
    {
        Skip.If(OperatingSystem.IsWindows() || !File.Exists(SieveTest), $"{SieveTest} is not installed (Debian package dovecot-sieve)");
        const string script = "require \"vacation\";\nvacation :days 7 \"I am away.\";\n";
        var expected = await RunSieveTestAsync("vacation-list", script, ListMail);
        var evaluation = await new RuleEvaluator().EvaluateAsync(new SieveCompiler().CompileOrThrow(script), Encoding.UTF8.GetBytes(ListMail));

        Assert.Equal(["store INBOX", "vacation"], expected);
        Assert.Equal(["store INBOX"], Normalize(evaluation.Actions));
        Assert.Contains(evaluation.Result.Log, l => l.Contains("mailing list", StringComparison.Ordinal) || l.Contains("Precedence", StringComparison.Ordinal));
    }

    private static List<string> Normalize(IEnumerable<SieveAction> actions) => actions.Select(a => a switch
    {
        KeepAction k => Store("INBOX", k.Flags),
        FileIntoAction f => Store(f.Mailbox, f.Flags),
        RedirectAction r => "redirect " + r.Address.ToLowerInvariant(),
        VacationAction => "vacation",
        DiscardAction => "discard",
        _ => a.Name,
    }).Order(StringComparer.Ordinal).ToList();

    private static string Store(string folder, IEnumerable<string> flags)
    {
        var list = flags.Select(f => f.ToLowerInvariant()).Order(StringComparer.Ordinal).ToList();
        return "store " + folder + (list.Count == 0 ? string.Empty : " flags " + string.Join(' ', list));
    }

    /// <summary>Runs sieve-test as nobody (it refuses root) and reads its "Performed actions" and "Implicit keep" lists.</summary>
    private static async Task<List<string>> RunSieveTestAsync(string name, string script, string message)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mailmesh-sieve-diff", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("sieve-test runs on Debian only");
        }

        File.SetUnixFileMode(dir, (UnixFileMode)0x1FF);
        File.SetUnixFileMode(Path.GetDirectoryName(dir)!, (UnixFileMode)0x1FF);
        var scriptPath = Path.Combine(dir, "script.sieve");
        var messagePath = Path.Combine(dir, "message.eml");
        await File.WriteAllTextAsync(scriptPath, script);
        await File.WriteAllTextAsync(messagePath, message);
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "/usr/sbin/runuser" : SieveTest) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (asRoot)
        {
            foreach (var arg in new[] { "-u", "nobody", "--", SieveTest })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in new[] { "-o", $"mail_location=maildir:{dir}/Maildir", "-o", "sieve_extensions=+vacation-seconds +editheader", scriptPath, messagePath })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"sieve-test failed for {name} (exit {process.ExitCode}): {await stderr}\n{output}");
        Directory.Delete(dir, recursive: true);
        return Parse(output);
    }

    private static List<string> Parse(string output)
    {
        var actions = new List<string>();
        string? pendingStore = null;
        var flags = new List<string>();
        void Flush()
        {
            if (pendingStore is not null)
            {
                actions.Add(Store(pendingStore, flags));
            }

            pendingStore = null;
            flags.Clear();
        }

        foreach (var line in output.Split('\n'))
        {
            if (StoreLine().Match(line) is { Success: true } store)
            {
                Flush();
                pendingStore = store.Groups[1].Value.Trim();
            }
            else if (FlagsLine().Match(line) is { Success: true } added)
            {
                flags.AddRange(added.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
            else if (line.StartsWith(" * ", StringComparison.Ordinal))
            {
                Flush();
                var text = line[3..].Trim();
                actions.Add(text.StartsWith("redirect message to:", StringComparison.Ordinal) ? "redirect " + text[20..].Trim().Trim('<', '>').ToLowerInvariant()
                    : text.StartsWith("send vacation message", StringComparison.Ordinal) ? "vacation"
                    : text.StartsWith("discard", StringComparison.Ordinal) ? "discard"
                    : text);
            }
        }

        Flush();
        return actions.Order(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"^ \* store message in folder: (.+)$")]
    private static partial Regex StoreLine();

    [GeneratedRegex(@"^\s+\+ add IMAP flags: (.+)$")]
    private static partial Regex FlagsLine();
}
