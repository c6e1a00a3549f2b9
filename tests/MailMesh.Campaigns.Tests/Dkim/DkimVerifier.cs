using System.Diagnostics;
using MailMesh.Testing;

namespace MailMesh.Campaigns.Tests.Dkim;

/// <summary>An independent DKIM verifier: dkimpy (Debian python3-dkim, with python3-nacl for Ed25519) run by the system
/// Python, with the public keys served from a file instead of DNS.</summary>
internal static class DkimVerifier
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys, dkim
        message = open(sys.argv[1], 'rb').read()
        records = {}
        for line in open(sys.argv[2], encoding='ascii'):
            name, record = line.rstrip('\n').split('\t', 1)
            records[name.encode('ascii')] = record.encode('ascii')
        def lookup(name, timeout=5):
            return records.get(name.rstrip(b'.'))
        verifier = dkim.DKIM(message)
        try:
            ok = verifier.verify(dnsfunc=lookup)
        except dkim.DKIMException as e:
            print('fail: ' + str(e))
            sys.exit(0)
        print('pass' if ok else 'fail: signature does not verify')
        """;

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python))
        {
            return $"{Python} is not installed";
        }

        using var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import dkim, nacl"]) { RedirectStandardError = true, UseShellExecute = false })!;
        check.WaitForExit(60_000);
        return check.ExitCode == 0 ? null : "dkimpy or PyNaCl is missing (apt-get install python3-dkim python3-nacl; scripts/install-deps.sh installs them)";
    });

    /// <summary>Skips the test when the verifier is not installed.</summary>
    public static void RequireInstalled() => Skip.If(Missing.Value is not null, "the independent DKIM verifier is unavailable: " + Missing.Value);

    /// <summary>"pass" or "fail: why", as dkimpy judges <paramref name="message"/> with <paramref name="records"/>
    /// (DNS name → TXT record).</summary>
    public static async Task<string> VerifyAsync(byte[] message, IReadOnlyDictionary<string, string> records)
    {
        RequireInstalled();
        var directory = Directory.CreateTempSubdirectory("mailmesh-dkim-");
        try
        {
            var script = Path.Combine(directory.FullName, "verify.py");
            var eml = Path.Combine(directory.FullName, "message.eml");
            var keys = Path.Combine(directory.FullName, "keys.txt");
            await File.WriteAllTextAsync(script, Script);
            await File.WriteAllBytesAsync(eml, message);
            await File.WriteAllLinesAsync(keys, records.Select(r => r.Key + "\t" + r.Value));
            using var process = Process.Start(new ProcessStartInfo(Python, [script, eml, keys])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var result = (await output).Trim();
            Assert.True(process.ExitCode == 0, $"dkimpy exited with {process.ExitCode}: {await error}");
            return result;
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
