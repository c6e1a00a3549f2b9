using MailMesh.Mime;

namespace MailMesh.Rules.Spam;

/// <summary>A spam verdict: the score on the scorer's scale and the score at which the scorer calls a message spam.</summary>
/// <param name="Score">The score (SpamAssassin points; higher is spammier).</param>
/// <param name="Threshold">The score from which the message counts as spam (SpamAssassin's required_score).</param>
/// <param name="Scorer">Which scorer decided ("spamd", "heuristic").</param>
/// <param name="Rules">The rules that fired, when the scorer names them.</param>
public sealed record SpamScore(double Score, double Threshold, string Scorer, IReadOnlyList<string> Rules)
{
    /// <summary>True when <see cref="Score"/> reaches <see cref="Threshold"/>.</summary>
    public bool IsSpam => Score >= Threshold;
}

/// <summary>Scores a message for the <c>spamtest</c> test (RFC 5235). Implementations are thread-safe.</summary>
public interface ISpamScorer
{
    /// <summary>The score of <paramref name="message"/> (raw RFC 5322 bytes, already parsed as <paramref name="parsed"/>),
    /// or null when it could not be scored (spamtest then reports "not tested").</summary>
    ValueTask<SpamScore?> ScoreAsync(ReadOnlyMemory<byte> message, MimeMessage parsed, CancellationToken cancellationToken = default);
}
