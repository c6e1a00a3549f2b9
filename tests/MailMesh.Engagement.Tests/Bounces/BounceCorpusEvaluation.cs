using System.Globalization;
using System.Text.Json;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Bounces;

/// <summary>Runs the classifier over sisimai's set of emails and compares each recipient with the expectation
/// transcribed from go-sisimai (<c>expected-classification.go-sisimai.json</c>), recipient by recipient in order.</summary>
internal sealed class BounceCorpusEvaluation
{
    /// <summary>sisimai's reason names and ours.</summary>
    public static readonly IReadOnlyDictionary<string, BounceReason> ReasonMap = new Dictionary<string, BounceReason>(StringComparer.Ordinal)
    {
        ["userunknown"] = BounceReason.UserUnknown,
        ["hostunknown"] = BounceReason.HostUnknown,
        ["hasmoved"] = BounceReason.HasMoved,
        ["notaccept"] = BounceReason.NotAccept,
        ["mailboxfull"] = BounceReason.MailboxFull,
        ["exceedlimit"] = BounceReason.ExceedLimit,
        ["mesgtoobig"] = BounceReason.MessageTooBig,
        ["suspend"] = BounceReason.Suspended,
        ["blocked"] = BounceReason.Blocked,
        ["requireptr"] = BounceReason.RequirePtr,
        ["badreputation"] = BounceReason.BadReputation,
        ["authfailure"] = BounceReason.AuthFailure,
        ["rejected"] = BounceReason.Rejected,
        ["filtered"] = BounceReason.Filtered,
        ["spamdetected"] = BounceReason.SpamDetected,
        ["virusdetected"] = BounceReason.VirusDetected,
        ["contenterror"] = BounceReason.ContentError,
        ["notcompliantrfc"] = BounceReason.NotCompliantRfc,
        ["policyviolation"] = BounceReason.PolicyViolation,
        ["securityerror"] = BounceReason.SecurityError,
        ["failedstarttls"] = BounceReason.FailedStartTls,
        ["norelaying"] = BounceReason.NoRelaying,
        ["expired"] = BounceReason.Expired,
        ["networkerror"] = BounceReason.NetworkError,
        ["systemerror"] = BounceReason.SystemError,
        ["systemfull"] = BounceReason.SystemFull,
        ["mailererror"] = BounceReason.MailerError,
        ["toomanyconn"] = BounceReason.TooManyConnections,
        ["speeding"] = BounceReason.Speeding,
        ["syntaxerror"] = BounceReason.SyntaxError,
        ["onhold"] = BounceReason.OnHold,
        ["undefined"] = BounceReason.Undefined,
        ["feedback"] = BounceReason.Feedback,
        ["vacation"] = BounceReason.Vacation,
        ["delivered"] = BounceReason.Delivered,
    };

    private BounceCorpusEvaluation()
    {
    }

    public int Recipients { get; private set; }

    public int KindAgreements { get; private set; }

    public int HardFlagAgreements { get; private set; }

    public int ReasonAgreements { get; private set; }

    public int Files { get; private set; }

    public List<string> Disagreements { get; } = [];

    public double KindAgreement => Recipients == 0 ? 0 : (double)KindAgreements / Recipients;

    public double HardFlagAgreement => Recipients == 0 ? 0 : (double)HardFlagAgreements / Recipients;

    public double ReasonAgreement => Recipients == 0 ? 0 : (double)ReasonAgreements / Recipients;

    /// <summary>What sisimai's expectation means in our kinds.</summary>
    public static BounceKind ExpectedKind(string reason, bool hard) => reason switch
    {
        "feedback" => BounceKind.Complaint,
        "vacation" => BounceKind.AutoReply,
        "delivered" => BounceKind.Delivered,
        _ => hard ? BounceKind.HardBounce : BounceKind.SoftBounce,
    };

    /// <summary>Evaluates every file the expectation names under <paramref name="sisimaiDirectory"/>.</summary>
    public static BounceCorpusEvaluation Run(string sisimaiDirectory)
    {
        var result = new BounceCorpusEvaluation();
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(sisimaiDirectory, "expected-classification.go-sisimai.json")));
        foreach (var file in json.RootElement.GetProperty("expected").EnumerateObject())
        {
            var path = Path.Combine(sisimaiDirectory, file.Name);
            if (!File.Exists(path))
            {
                continue;
            }

            result.Files++;
            var classification = BounceClassifier.Classify(File.ReadAllBytes(path));
            var index = 0;
            foreach (var expected in file.Value.GetProperty("recipients").EnumerateArray())
            {
                var reason = expected.GetProperty("reason").GetString() ?? "undefined";
                var hard = expected.GetProperty("hardbounce").GetBoolean();
                var status = expected.TryGetProperty("deliverystatus", out var s) ? s.GetString() : null;
                var ours = index < classification.Recipients.Count ? classification.Recipients[index] : null;
                index++;
                result.Recipients++;
                var expectedKind = ExpectedKind(reason, hard);
                var kind = ours?.Kind ?? BounceKind.Unknown;
                var kindOk = kind == expectedKind;
                var hardOk = (kind == BounceKind.HardBounce) == hard;
                var reasonOk = ours is not null && ReasonMap.TryGetValue(reason, out var mapped) && mapped == ours.Reason;
                result.KindAgreements += kindOk ? 1 : 0;
                result.HardFlagAgreements += hardOk ? 1 : 0;
                result.ReasonAgreements += reasonOk ? 1 : 0;
                if (!kindOk || !reasonOk)
                {
                    result.Disagreements.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{(kindOk ? "reason" : "KIND")} {file.Name}#{index}: expected {expectedKind}/{reason} {status}; got {kind}/{ours?.Reason} {ours?.Status} {ours?.ReplyCode} <{ours?.Recipient}> [{classification.Format}] {Trim(ours?.Diagnostic)}"));
                }
            }
        }

        return result;
    }

    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Files} files, {Recipients} recipients: kind (hard/soft/complaint/auto-reply) {KindAgreements} = {KindAgreement:P1}; hard flag {HardFlagAgreements} = {HardFlagAgreement:P1}; reason {ReasonAgreements} = {ReasonAgreement:P1}");

    private static string? Trim(string? text) => text is { Length: > 160 } ? text[..160] : text;
}
