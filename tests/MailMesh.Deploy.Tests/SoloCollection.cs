namespace MailMesh.Deploy.Tests;

/// <summary>Tests that run with no other test of this assembly at the same time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoloCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "solo";
}
