using System.Globalization;
using MailMesh.Engagement.Bounces;
using MailMesh.Grains.Engagement;
using MailMesh.Testing;
using Xunit.Abstractions;

namespace MailMesh.Engagement.Tests.Bounces;

public sealed class BounceCorpusTests(ITestOutputHelper output)
{
    /// <summary>The target for agreement with sisimai on hard vs soft.</summary>
    private const double HardSoftTarget = 0.95;

    private static string SisimaiDirectory => SharedCorpus.GetPath("bounces/sisimai-set-of-emails");

    [SharedCorpusFact]
    public void Classify_SisimaiSetOfEmails_AgreesOnHardSoftAtTarget()
    {
        var result = BounceCorpusEvaluation.Run(SisimaiDirectory);

        output.WriteLine(result.Summary());
        foreach (var line in result.Disagreements)
        {
            output.WriteLine(line);
        }

        Assert.True(result.Files > 500, $"only {result.Files} corpus files were found under {SisimaiDirectory}");
        Assert.True(result.HardFlagAgreement >= HardSoftTarget, string.Create(CultureInfo.InvariantCulture,
            $"hard/soft agreement {result.HardFlagAgreement:P1} is below {HardSoftTarget:P0}: {result.Summary()}"));
    }

    [SharedCorpusFact]
    public void Classify_SisimaiNotBounces_AreNeverHardBounces()
    {
        var files = Directory.GetFiles(Path.Combine(SisimaiDirectory, "maildir", "not"));

        var hard = files.Where(f => BounceClassifier.Classify(File.ReadAllBytes(f)).Kind == BounceKind.HardBounce).Select(Path.GetFileName).ToList();

        Assert.NotEmpty(files);
        Assert.Empty(hard);
    }

    [SharedCorpusFact]
    public void Classify_SisimaiCrlfAndCrCopies_MatchTheLfCopies()
    {
        var bsd = Path.Combine(SisimaiDirectory, "maildir", "bsd");
        var differences = new List<string>();
        foreach (var variant in new[] { "dos", "mac" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(SisimaiDirectory, "maildir", variant)))
            {
                var twin = Path.Combine(bsd, Path.GetFileName(file));
                if (!File.Exists(twin))
                {
                    continue;
                }

                var a = BounceClassifier.Classify(File.ReadAllBytes(twin));
                var b = BounceClassifier.Classify(File.ReadAllBytes(file));
                if (a.Kind != b.Kind)
                {
                    differences.Add($"{variant}/{Path.GetFileName(file)}: {a.Kind} vs {b.Kind}");
                }
            }
        }

        Assert.Empty(differences);
    }
}
