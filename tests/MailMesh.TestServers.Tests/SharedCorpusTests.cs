using MailMesh.Testing;

namespace MailMesh.SmokeTests;

public sealed class SharedCorpusTests
{
    [Fact]
    public void Locate_OverrideWithCorpus_ReturnsCorpusDirectory()
    {
        var shared = Directory.CreateTempSubdirectory("mm-shared-");
        try
        {
            Directory.CreateDirectory(Path.Combine(shared.FullName, "corpus"));

            var location = SharedCorpus.Locate(shared.FullName, repositoryRoot: "/nonexistent");

            Assert.Null(location.SkipReason);
            Assert.Equal(Path.Combine(shared.FullName, "corpus") + Path.DirectorySeparatorChar, location.Directory);
        }
        finally
        {
            shared.Delete(recursive: true);
        }
    }

    [Fact]
    public void Locate_OverrideWithoutCorpus_GivesSkipReasonNamingThePath()
    {
        var location = SharedCorpus.Locate("/nonexistent/shared", repositoryRoot: null);

        Assert.Null(location.Directory);
        Assert.Contains("/nonexistent/shared/corpus", location.SkipReason, StringComparison.Ordinal);
        Assert.Contains("MAILMESH_SHARED_DIR", location.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_RepositoryRoot_LooksBesideTheRepository()
    {
        var location = SharedCorpus.Locate(sharedDirOverride: null, repositoryRoot: "/nonexistent/repo/main");

        Assert.Contains("/nonexistent/repo/shared/corpus", location.SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Locate_NoRootNoOverride_GivesSkipReason()
    {
        var location = SharedCorpus.Locate(sharedDirOverride: null, repositoryRoot: null);

        Assert.Null(location.Directory);
        Assert.Contains("MAILMESH_SHARED_DIR", location.SkipReason, StringComparison.Ordinal);
    }

    [SharedCorpusFact]
    public void Files_SharedCorpusPresent_ListsMimeSamples()
    {
        Assert.NotEmpty(SharedCorpus.Files("mime"));
        Assert.Throws<ArgumentException>(() => SharedCorpus.GetPath("../../etc/passwd"));
    }

    [Fact]
    public void RepositoryRoot_FromTestBinaries_FindsTheSolution()
    {
        Assert.NotNull(RepositoryRoot.Path);
        Assert.True(File.Exists(Path.Combine(RepositoryRoot.Path, "MailMesh.sln")));
    }
}
