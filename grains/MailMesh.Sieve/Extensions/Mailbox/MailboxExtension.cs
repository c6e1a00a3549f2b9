using MailMesh.Sieve.Interpretation;
using MailMesh.Sieve.Parsing;
using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions.Mailbox;

/// <summary><c>mailboxexists mailbox-names</c> (RFC 5490 section 3.1): true when every mailbox exists.</summary>
internal sealed class MailboxExistsTest : SieveTestDefinition
{
    public MailboxExistsTest()
        : base("mailboxexists", "mailbox", SieveArgumentKind.StringList)
    {
        PositionalNames = ["mailbox names"];
    }

    public override bool Evaluate(SieveRuntime runtime, SieveTestNode test)
    {
        foreach (var name in runtime.GetStrings(test.Args.Positional[0]))
        {
            var exists = runtime.Options.Mailboxes?.Exists(name)
                ?? runtime.Options.ExistingMailboxes.Contains(name, StringComparer.Ordinal);
            if (!exists)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>The mailbox extension (RFC 5490): mailboxexists and fileinto :create.</summary>
internal sealed class MailboxExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("mailbox");
        language.AddTest(new MailboxExistsTest());
        language.GetCommand("fileinto").AddTag(new SieveTagDefinition("create", null, "mailbox"));
    }
}
