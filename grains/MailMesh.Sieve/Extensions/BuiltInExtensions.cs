namespace MailMesh.Sieve.Extensions;

/// <summary>Every extension this library implements, in registration order (tag-adding ones after their commands).</summary>
internal static class BuiltInExtensions
{
    public static IEnumerable<ISieveExtension> All() =>
    [
        new CapabilityExtensions(),
        new Variables.VariablesExtension(),
        new Imap4Flags.Imap4FlagsExtension(),
        new Mailbox.MailboxExtension(),
        new Body.BodyExtension(),
        new Reject.RejectExtension(),
        new SpamTest.SpamTestExtension(),
        new Date.DateExtension(),
        new EditHeader.EditHeaderExtension(),
        new Duplicate.DuplicateExtension(),
        new Include.IncludeExtension(),
        new Vacation.VacationExtension(),
        new MailMesh.MailMeshExtension(),
    ];
}
