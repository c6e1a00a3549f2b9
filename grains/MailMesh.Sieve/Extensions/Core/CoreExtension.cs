namespace MailMesh.Sieve.Extensions.Core;

/// <summary>The RFC 5228 base language, plus fileinto and envelope (optional RFC 5228 capabilities).</summary>
internal sealed class CoreExtension : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("fileinto");
        language.AddCapability("envelope");
        language.AddCapability("comparator-i;octet");
        language.AddCapability("comparator-i;ascii-casemap");
        language.AddCommand(new RequireCommand());
        language.AddCommand(new ConditionalCommand("if"));
        language.AddCommand(new ConditionalCommand("elsif"));
        language.AddCommand(new ConditionalCommand("else"));
        language.AddCommand(new StopCommand());
        language.AddCommand(new KeepCommand());
        language.AddCommand(new DiscardCommand());
        language.AddCommand(new RedirectCommand());
        language.AddCommand(new FileIntoCommand());
        language.AddTest(new ConstantTest(true));
        language.AddTest(new ConstantTest(false));
        language.AddTest(new LogicTest("not"));
        language.AddTest(new LogicTest("allof"));
        language.AddTest(new LogicTest("anyof"));
        language.AddTest(new ExistsTest());
        language.AddTest(new SizeTest());
        language.AddTest(new HeaderTest());
        language.AddTest(new AddressTest());
        language.AddTest(new EnvelopeTest());
    }
}
