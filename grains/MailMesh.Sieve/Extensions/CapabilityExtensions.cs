using MailMesh.Sieve.Validation;

namespace MailMesh.Sieve.Extensions;

/// <summary>
/// Extensions that only add tags or capability names: copy (RFC 3894), relational (RFC 5231),
/// comparator-i;ascii-numeric (RFC 4790), subaddress (RFC 5233), regex (draft), index (RFC 5260),
/// encoded-character (RFC 5228 2.4.2.4).
/// </summary>
internal sealed class CapabilityExtensions : ISieveExtension
{
    public void Register(SieveLanguage language)
    {
        language.AddCapability("copy");
        language.GetCommand("fileinto").AddTag(new SieveTagDefinition("copy", null, "copy"));
        language.GetCommand("redirect").AddTag(new SieveTagDefinition("copy", null, "copy"));
        language.AddCapability("relational");
        language.AddCapability("comparator-i;ascii-numeric");
        language.AddCapability("comparator-i;unicode-casemap");
        language.AddCapability("subaddress");
        language.AddCapability("regex");
        language.AddCapability("index");
        language.AddCapability("encoded-character");
    }
}
