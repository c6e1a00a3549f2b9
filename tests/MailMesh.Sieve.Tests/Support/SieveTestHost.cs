using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Messages;

namespace MailMesh.Sieve.Tests.Support;

/// <summary>Compiles and runs scripts for tests.</summary>
internal static class SieveTestHost
{
    public const string SimpleMessage =
        "From: Alice Example <alice+news@example.org>\r\n" +
        "To: bob@example.com, \"Carol, C.\" <carol@Example.NET>\r\n" +
        "Cc: team: dave@example.com, erin@example.com;\r\n" +
        "Subject: =?utf-8?q?Caf=C3=A9?= meeting [urgent]\r\n" +
        "Date: Tue, 1 Jul 2025 14:30:05 +0200\r\n" +
        "Message-ID: <m1@example.org>\r\n" +
        "X-Spam-Score: 7.5\r\n" +
        "\r\n" +
        "Hello Bob,\r\nthe meeting moved to 3pm.\r\n";

    public static readonly SieveCompiler Compiler = new();

    public static SieveScript Compile(string source) => Compiler.CompileOrThrow(source, "test");

    public static SieveCompilation TryCompile(string source, SieveLimits? limits = null) =>
        (limits is null ? Compiler : new SieveCompiler(null, limits)).Compile(source, "test");

    public static SieveResult Run(string source, string? message = null, SieveExecutionOptions? options = null, SieveEnvelope? envelope = null)
    {
        var script = Compile(source);
        var interpreter = new SieveInterpreter(options ?? new SieveExecutionOptions());
        return interpreter.Execute(script, TestMessage.Parse(message ?? SimpleMessage), envelope ?? new SieveEnvelope("alice+news@example.org", "bob@example.com"));
    }

    public static string Describe(SieveResult result) => string.Join("; ", result.Actions.Select(a => a switch
    {
        KeepAction k => k.Implicit ? $"implicit-keep{Flags(k.Flags)}" : $"keep{Flags(k.Flags)}",
        FileIntoAction f => $"fileinto {f.Mailbox}{(f.Copy ? " :copy" : string.Empty)}{(f.Create ? " :create" : string.Empty)}{Flags(f.Flags)}",
        RedirectAction r => $"redirect {r.Address}{(r.Copy ? " :copy" : string.Empty)}",
        RejectAction r => $"{r.Name} {r.Reason}",
        VacationAction v => $"vacation to {v.Recipient}",
        _ => a.Name,
    }));

    private static string Flags(IReadOnlyList<string> flags) => flags.Count == 0 ? string.Empty : $" [{string.Join(' ', flags)}]";
}
