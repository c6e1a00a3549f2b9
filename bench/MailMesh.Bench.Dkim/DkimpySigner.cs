using System.Diagnostics;
using System.Globalization;

namespace MailMesh.Bench.Dkim;

/// <summary>The peer: dkimpy (Debian python3-dkim; PyNaCl for Ed25519) signing the same message with the same key,
/// relaxed/relaxed, timed by Python's own process CPU clock around the signing loop only.</summary>
internal static class DkimpySigner
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import sys, time, dkim
        message = open(sys.argv[1], 'rb').read()
        key = open(sys.argv[2], 'rb').read().strip()
        algorithm = sys.argv[3].encode('ascii')
        count = int(sys.argv[4])
        headers = [b'from', b'to', b'subject', b'date', b'message-id', b'list-unsubscribe', b'list-unsubscribe-post', b'list-id', b'precedence', b'mime-version', b'content-type']
        def sign():
            return dkim.sign(message, b'bench', b'example.com', key, canonicalize=(b'relaxed', b'relaxed'), signature_algorithm=algorithm, include_headers=headers)
        for _ in range(10):
            sign()
        start = time.process_time()
        for _ in range(count):
            sign()
        print((time.process_time() - start) * 1e6 / count)
        """;

    /// <summary>dkimpy's CPU µs per signature, or null (with a line saying why) when it cannot run.</summary>
    public static double? CpuMicrosPerSignature(byte[] message, string algorithm, string key, int count)
    {
        if (!File.Exists(Python))
        {
            Console.WriteLine($"dkimpy peer skipped: {Python} is not installed");
            return null;
        }

        var directory = Directory.CreateTempSubdirectory("mailmesh-dkim-bench-");
        try
        {
            var script = Path.Combine(directory.FullName, "sign.py");
            var eml = Path.Combine(directory.FullName, "message.eml");
            var keyFile = Path.Combine(directory.FullName, "key");
            File.WriteAllText(script, Script);
            File.WriteAllBytes(eml, message);
            File.WriteAllText(keyFile, key);
            using var process = Process.Start(new ProcessStartInfo(Python, [script, eml, keyFile, algorithm, count.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            })!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"dkimpy peer ({algorithm}) failed with exit code {process.ExitCode}: {error.Result.Trim()}");
                return null;
            }

            return double.Parse(output.Trim(), CultureInfo.InvariantCulture);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
