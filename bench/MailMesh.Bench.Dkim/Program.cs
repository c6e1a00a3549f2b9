using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailMesh.Bench.Dkim;
using MailMesh.Campaigns.Dkim;

// DKIM signing micro-benchmark: thread CPU and wall time per signed message (relaxed/relaxed canonicalization, body
// hash, header hash and the signature) for RSA-SHA256 2048, Ed25519-SHA256 by the system OpenSSL and by the managed
// fallback; then dkimpy (the independent verifier of the tests, used here as a signer) on the same message and keys.
//   dotnet bench/MailMesh.Bench.Dkim/bin/Release/net10.0/MailMesh.Bench.Dkim.dll [--signatures 2000] [--body-kb 6] [--no-peer]
var signatures = IntArg("--signatures", 2000);
var bodyKb = IntArg("--body-kb", 6);
var peer = !args.Contains("--no-peer");
var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
var message = SampleMessage.Build(bodyKb * 1024);
var seed = SHA256.HashData("bench seed"u8);
using var rsa = RSA.Create(2048);
var rsaPem = rsa.ExportRSAPrivateKeyPem();

Console.WriteLine($"message: {message.Length} bytes; Ed25519 implementation: {DkimKey.Ed25519Implementation}; {Environment.ProcessorCount} cores");
var results = new List<(string Name, double CpuMicros)>();
using (var rsaKey = DkimKey.FromPem(rsaPem))
using (var edKey = DkimKey.FromEd25519Seed(seed))
using (var managedKey = DkimKey.ManagedEd25519FromSeed(seed))
{

    results.Add(Measure("rsa-sha256 (OpenSSL via .NET)", new DkimSigner("example.com", "bench", rsaKey), signatures));
    results.Add(Measure("ed25519-sha256 (" + DkimKey.Ed25519Implementation + ")", new DkimSigner("example.com", "bench", edKey), signatures));
    results.Add(Measure("ed25519-sha256 (managed)", new DkimSigner("example.com", "bench", managedKey), Math.Max(20, signatures / 50)));
    var data = message.AsSpan(0, 700).ToArray();
    MeasureKeyOnly("  key only, rsa", rsaKey, data, signatures);
    MeasureKeyOnly("  key only, ed25519", edKey, data, signatures);
    if (OpenSslEd25519.IsAvailable && SodiumEd25519.IsAvailable)
    {
        // The system libcrypto, which signed before libsodium did (docs/adr/campaigns-14-ed25519-by-libsodium.md).
        using var openSslKey = DkimKey.OpenSslEd25519FromSeed(seed);
        results.Add(Measure("ed25519-sha256 (openssl)", new DkimSigner("example.com", "bench", openSslKey), signatures));
        MeasureKeyOnly("  key only, ed25519 (openssl)", openSslKey, data, signatures);
    }
}

if (peer)
{
    foreach (var (algorithm, key) in new[] { ("rsa-sha256", rsaPem), ("ed25519-sha256", Convert.ToBase64String(seed)) })
    {
        var peerMicros = DkimpySigner.CpuMicrosPerSignature(message, algorithm, key, Math.Max(50, signatures / 10));
        if (peerMicros is null)
        {
            continue;
        }

        var ours = results.First(r => r.Name.StartsWith(algorithm, StringComparison.Ordinal)).CpuMicros;
        Console.WriteLine($"{"dkimpy " + algorithm,-46} {peerMicros,9:F1} µs CPU/signature   MailMesh CPU ratio {peerMicros / ours:F1}x faster");
    }
}

int IntArg(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

(string, double) Measure(string name, DkimSigner signer, int count)
{
    for (var i = 0; i < Math.Min(200, count); i++)
    {
        signer.Sign(message, now);
    }

    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var wall = Stopwatch.StartNew();
    var cpu = ThreadCpu.Microseconds();
    for (var i = 0; i < count; i++)
    {
        signer.Sign(message, now.AddSeconds(i));
    }

    var cpuMicros = (ThreadCpu.Microseconds() - cpu) / count;
    var wallMicros = wall.Elapsed.TotalMicroseconds / count;
    allocated = (GC.GetAllocatedBytesForCurrentThread() - allocated) / count;
    Console.WriteLine($"{name,-46} {cpuMicros,9:F1} µs CPU/signature {wallMicros,9:F1} µs wall  {allocated,7} B allocated/signature (n={count})");
    return (name, cpuMicros);
}

void MeasureKeyOnly(string name, DkimKey key, byte[] data, int count)
{
    var cpu = ThreadCpu.Microseconds();
    for (var i = 0; i < count; i++)
    {
        key.Sign(data);
    }

    Console.WriteLine($"{name,-46} {(ThreadCpu.Microseconds() - cpu) / count,9:F1} µs CPU/signature (SHA-256 + signature of {data.Length} header bytes)");
}

/// <summary>A campaign-like message: the composer's headers and a multipart text/HTML body of about the given size.</summary>
internal static class SampleMessage
{
    public static byte[] Build(int bodyBytes)
    {
        var text = new StringBuilder();
        text.Append("From: Shop <news@example.com>\r\nTo: Jane Doe <jane@example.net>\r\nSubject: Spring sale: 20% off for Gold members\r\n")
            .Append("Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <7f3a9c1e2b4d6f8a0c1e3b5d.spring@example.com>\r\n")
            .Append("List-Unsubscribe: <https://t.example.com/u/AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8>,\r\n <mailto:unsubscribe+7f3a9c1e2b4d6f8a0c1e3b5d@bounces.example.com>\r\n")
            .Append("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nList-Id: Spring <spring.example.com>\r\nPrecedence: bulk\r\n")
            .Append("MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"=_mm_0123456789\"\r\n\r\n")
            .Append("--=_mm_0123456789\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        var half = text.Length + bodyBytes / 2;
        var line = 0;
        while (text.Length < half)
        {
            text.Append("Hello Jane,  this is line ").Append(line++).Append(" of the spring sale text:\tproducts for Gold members.\r\n");
        }

        text.Append("\r\n--=_mm_0123456789\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        var end = text.Length + bodyBytes / 2;
        while (text.Length < end)
        {
            text.Append("<p>Hello <b>Jane</b>, <a href=3D\"https://t.example.com/c/AAECAwQFBgcICQoLDA0O\">see product ").Append(line++).Append("</a></p>\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\n--=_mm_0123456789--\r\n").ToString());
    }
}
