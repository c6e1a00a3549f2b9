using System.Text;
using MailMesh.Sieve;
using MailMesh.Sieve.Interpretation;

namespace MailMesh.Rules.Tests;

/// <summary>
/// The compiled program (the default) and the reference interpreter (<see cref="SieveExecutionOptions.UseReferenceInterpreter"/>)
/// decide the same actions, flags, variables, steps and errors, over the real messages of the corpus and over made-up ones.
/// </summary>
public sealed class CompiledProgramTests
{
    // Scripts touching every specialized test (header, address, exists, size, body :raw, logic, constants) in the
    // shapes it accepts and the ones it leaves to the definitions (variables in keys, :count, :index, editheader).
    private static readonly string[] Scripts =
    [
        """
        require ["fileinto", "imap4flags", "body", "regex", "variables", "relational", "comparator-i;ascii-numeric", "subaddress", "envelope"];
        if address :domain :is "from" ["github.com", "paypal.com", "python.org", "example.com"] { fileinto "Vendors"; addflag "$Vendor"; }
        if header :contains "subject" ["invoice", "receipt", "password", "security", "meeting"] { addflag "$Kw"; }
        if header :contains "list-id" ["python-dev", "debian-devel", "linux-kernel"] { fileinto "Lists"; stop; }
        if header :regex "subject" "^\\[([a-z0-9-]+)\\]" { set "tag" "${1}"; addflag "${tag}"; }
        if header :regex "subject" "(order|ticket) #?([0-9]{4,})" { fileinto "Orders/${2}"; }
        if header :matches "subject" "*re: *" { addflag "$Reply"; set "rest" "${2}"; }
        if header :matches "from" "*<*@*>*" { set "local" "${2}"; addflag "from-${local}"; }
        if exists "x-spam-flag" { fileinto "Junk"; stop; }
        if header :value "ge" :comparator "i;ascii-numeric" "x-priority" "4" { addflag "$Low"; }
        if header :is "precedence" ["bulk", "list", "junk"] { addflag "$Bulk"; }
        if address :localpart :is ["to", "cc"] ["postmaster", "abuse", "security"] { fileinto "Admin"; }
        if address :detail "to" "billing" { fileinto "Billing"; }
        if address :user :matches "from" "*-*" { addflag "$Dashed"; }
        if size :over 50K { addflag "$Large"; } elsif size :under 2K { addflag "$Small"; } else { addflag "$Medium"; }
        if allof (header :contains "content-type" "multipart", not exists "x-attachment-id") { addflag "$Multi"; }
        if anyof (header :contains "subject" "out of office", header :contains "auto-submitted" "auto-replied", false) { fileinto "Auto"; }
        if not exists ["message-id", "date"] { addflag "$NoId"; }
        if header :contains "received" "localhost" { addflag "$Local"; }
        if body :raw :contains ["BEGIN PGP", "unsubscribe", "=3D"] { addflag "$Raw"; }
        if body :raw :contains :comparator "i;octet" "Content-Type" { addflag "$RawOctet"; }
        if body :raw :matches "*<html*" { addflag "$RawHtml"; }
        if body :text :contains "unsubscribe" { addflag "$Marketing"; }
        if body :content "text/html" :contains "<table" { addflag "$Html"; }
        if body :text :regex "[0-9]{3}-[0-9]{4}" { addflag "$Phone"; }
        if header :count "ge" :comparator "i;ascii-numeric" "received" "3" { addflag "$Hops"; }
        if true { addflag "$Seen"; }
        """,
        """
        require ["fileinto", "imap4flags", "variables", "index", "editheader", "body"];
        set "h" "subject";
        if header :contains "${h}" "a" { addflag "$VarName"; }
        if header :index 1 :last :contains "received" "by" { addflag "$LastHop"; }
        if address :index 1 :all :contains "to" "@" { addflag "$FirstTo"; }
        addheader "X-Filtered" "yes";
        if header :is "x-filtered" "yes" { addflag "$Edited"; }
        deleteheader "subject";
        if not exists "subject" { fileinto "NoSubject"; }
        if body :raw :contains "" { addflag "$HasBody"; }
        if size :over 1 { keep; }
        """,
        """
        require ["fileinto", "body"];
        if body :raw :contains ["café", "über"] { fileinto "NonAscii"; }
        if header :contains ["subject", "from", "to"] ["é", "a"] { fileinto "Any"; stop; }
        discard;
        """,
    ];

    private static readonly string[] MadeUp =
    [
        "From: Ann <ann-x@github.com>\r\nTo: postmaster@example.org\r\nSubject: [dev-list] Re: order #12345\r\nPrecedence: BULK\r\n\r\nsee 555-1234, BEGIN pgp\r\n",
        "From: a@example.org\r\nSubject: header only\r\n",
        "From: b@python.org\r\nTo: bob+billing@example.com\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=latin1\r\n\r\n\u00e9t\u00e9 caf\u00e9 \u00fcber UNSUBSCRIBE\r\n",
        "From: c@example.com\r\nContent-Type: multipart/alternative; boundary=b\r\nX-Priority: 5\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain 123-4567\r\n--b\r\nContent-Type: text/html\r\n\r\n<html><table><tr><td>x</td></tr></table></html>\r\n--b--\r\n",
    ];

    [Fact]
    public void Evaluate_MadeUpMessages_CompiledDecidesLikeReference()
    {
        var messages = MadeUp.Select(m => Encoding.Latin1.GetBytes(m)).Concat(MadeUp.Select(m => Encoding.UTF8.GetBytes(m))).ToList();
        AssertSameDecisions(messages);
    }

    [Fact]
    public void Evaluate_RandomRawBodies_ByteSearchFindsWhatTextSearchFinds()
    {
        // body :raw :contains on bytes against the reference's decoded text: keys at every offset, every case,
        // split by non-ASCII bytes, across the 32-byte blocks of the vector search.
        var random = new Random(7);
        const string alphabet = "abcBEGINpgp -=\u00e9\u00fc\r\n";
        var script = new SieveCompiler().CompileOrThrow("require [\"body\", \"imap4flags\"]; "
            + "if body :raw :contains \"begin pgp\" { addflag \"a\"; } if body :raw :contains \"Bg\" { addflag \"b\"; } "
            + "if body :raw :contains :comparator \"i;octet\" \"BEGIN\" { addflag \"c\"; } if body :raw :contains \"e\" { addflag \"d\"; }");
        var compiled = new RuleEvaluator();
        var reference = new RuleEvaluator(options: new SieveExecutionOptions { UseReferenceInterpreter = true });
        for (var n = 0; n < 400; n++)
        {
            var body = new StringBuilder();
            var length = random.Next(0, 120);
            for (var i = 0; i < length; i++)
            {
                body.Append(alphabet[random.Next(alphabet.Length)]);
            }

            if (n % 3 == 0)
            {
                body.Insert(random.Next(body.Length + 1), n % 2 == 0 ? "BeGiN PgP" : "BEGIN");
            }

            var raw = (n % 2 == 0 ? Encoding.UTF8 : Encoding.Latin1).GetBytes("Subject: r\r\n\r\n" + body);
            using var message = MailMesh.Mime.MimeMessage.Parse(raw);
            Assert.Equal(Describe(reference.Evaluate(script, message, raw.Length).Result), Describe(compiled.Evaluate(script, message, raw.Length).Result));
        }
    }

    [SharedCorpusFact]
    public void Evaluate_CorpusMessages_CompiledDecidesLikeReference()
    {
        var files = SharedCorpus.Files("mime").Where(f => f.EndsWith(".eml", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(files.Count > 50, $"expected over 50 .eml messages in the corpus, found {files.Count}");
        AssertSameDecisions(files.Select(File.ReadAllBytes).ToList());
    }

    private static void AssertSameDecisions(List<byte[]> messages)
    {
        var compiler = new SieveCompiler();
        var scripts = Scripts.Select(s => compiler.CompileOrThrow(s)).ToList();
        var compiled = new RuleEvaluator();
        var reference = new RuleEvaluator(options: new SieveExecutionOptions { UseReferenceInterpreter = true });
        var fired = 0;
        for (var m = 0; m < messages.Count; m++)
        {
            for (var s = 0; s < scripts.Count; s++)
            {
                var expected = Evaluate(reference, scripts[s], messages[m]);
                var actual = Evaluate(compiled, scripts[s], messages[m]);
                Assert.True(expected == actual, $"message {m}, script {s}: reference decided\n{expected}\ncompiled decided\n{actual}");
                fired += expected.Contains("fileinto", StringComparison.Ordinal) || expected.Contains("[$", StringComparison.Ordinal) ? 1 : 0;
            }
        }

        Assert.True(fired > 0, "no script decided anything but the plain implicit keep: the comparison proved nothing");
    }

    private static string Evaluate(RuleEvaluator evaluator, SieveScript script, byte[] raw)
    {
        MailMesh.Mime.MimeMessage message;
        try
        {
            message = MailMesh.Mime.MimeMessage.Parse(raw);
        }
        catch (MailMesh.Mime.MimeFormatException e)
        {
            return "unparsable: " + e.Message;
        }

        using (message)
        {
            var evaluation = evaluator.Evaluate(script, message, raw.Length);
            return Describe(evaluation.Result);
        }
    }

    private static string Describe(SieveResult result) =>
        string.Join("; ", result.Actions.Select(a => a switch
        {
            KeepAction k => $"{(k.Implicit ? "implicit-keep" : "keep")}{Flags(k.Flags)}",
            FileIntoAction f => $"fileinto {f.Mailbox}{Flags(f.Flags)}",
            _ => a.ToString(),
        }))
        + $" | steps {result.Steps} | error {result.Error?.Message} | edited {result.EditedHeaders?.Count} | warnings {string.Join(", ", result.Warnings)}";

    private static string Flags(IReadOnlyList<string> flags) => flags.Count == 0 ? string.Empty : $" [{string.Join(' ', flags)}]";
}
