using System.Text.RegularExpressions;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Bounces;

/// <summary>Turns a diagnostic text, an enhanced status code and an SMTP reply code into a <see cref="BounceReason"/>,
/// and decides hard vs soft. Text is matched first (in the order of <see cref="TextRules"/>: the more specific reasons
/// before the generic ones), then the status code. Patterns run with the non-backtracking engine: linear in the input,
/// whatever a hostile bounce contains.</summary>
public static class BounceReasons
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    /// <summary>The text rules, in the order they are tried.</summary>
    internal static readonly (BounceReason Reason, Regex Pattern)[] TextRules =
    [
        (BounceReason.Rejected, Rx(@"domain of sender|sender (address |domain )?(rejected|refused|denied|unknown|not found|invalid|verify failed|verification failed|is not allowed|does not exist)|(unknown|invalid|bad) sender|sender (address|domain) (does not|doesn't) exist|not a member of this (mailing )?list|you are not (a )?member")),
        (BounceReason.NetworkError, Rx(@"name service error.{0,120}(try again|malformed|unexpected|server failure|timed out)|host not found, try again|temporary (dns|lookup|name resolution) failure|dns (lookup )?(timeout|temporary)")),
        (BounceReason.HostUnknown, Rx(@"account or domain may not exist|domain (is )?not reachable|dns lookup failure: host .{0,120} not found")),
        (BounceReason.NotAccept, Rx(@"no mx (record )?found|null mx|does not accept mail|accepts no mail")),
        (BounceReason.UserUnknown, Rx(@"check if (the )?address is correct|and other recipients in the same domain|recipient address rejected: access denied|recipient address rejected\.?\s*$")),
        (BounceReason.Filtered, Rx(@"\b550 : user unknown|recipient preferences|refused due to recipient")),
        (BounceReason.Blocked, Rx(@"my name was rejected|access denied.{0,40}(ip|host|client)|client host .{0,60} blocked")),
        (BounceReason.ExceedLimit, Rx(@"exceeds? (the )?(recipient'?s?|user'?s?) (message )?size limit|message size exceeds (the )?(fixed )?(maximum|limit).{0,30}recipient")),
        (BounceReason.MailboxFull, Rx(@"mail ?box (is )?(currently )?full|mailbox full|mail ?box size (limit )?(exceeded|reached)|over ?quota|quota (exceeded|violation|full|reached)|exceeded (the |his |her |its )?(storage|quota|mailbox)|exceeds? (the |his |her |its )?(storage |mailbox )?quota|would exceed mailbox quota|(mail ?box|inbox|mail ?folder|account) (is |has )?(over|exceeded|too full|full)|insufficient (disk |mailbox )?(space|storage) for (the )?(user|recipient|mailbox)|not enough (storage|space) (in|for) (the )?(mailbox|user)|disk quota|too much mail data|maildir.{0,20}quota|has exceeded (its|the) (allotted )?(storage|space|limit)|user.{0,20}(is )?over (the )?(limit|quota)|mailbox (has )?exceeded|recipient.{0,20}full|storage (limit|quota) exceeded|is over (its|the) storage|\bmbox full|requested mail action aborted: exceeded storage")),
        (BounceReason.MessageTooBig, Rx(@"message (size |length )?(exceeds|too (large|big))|(message|mail) (is )?too (large|big)|size (limit )?exceeded|exceeds (the )?maximum (message )?size|message size.{0,40}exceeds|message file too big|mail size limit|exceeded (the )?max(imum)? (message )?size")),
        (BounceReason.Suspended, Rx(@"(account|mail ?box|user|recipient|address)( \S+)? (has been |is |was )?(temporarily |temporary |currently )?(disabled|locked|suspended|deactivated|inactive|de-?activated|frozen|locked|blocked by (the )?administrator|not active|closed|expired|no longer (active|in use))|(disabled|suspended|inactive|deactivated) (account|mail ?box|user|recipient)|mailbox (is )?(currently )?unavailable.{0,20}(disabled|inactive)|account expired|has been (closed|deactivated)|recipient is not active|user (status is )?(suspended|inactive)|this account is not allowed|mailbox is not active")),
        (BounceReason.HasMoved, Rx(@"\bhas (been )?moved\b|user has moved|address (has )?changed|moved to\b|no longer (works|with|at) ")),
        (BounceReason.UserUnknown, Rx(@"user( name)? (is )?unknown|unknown (user|recipient|mailbox|local[ -]?part|account|e-?mail)|no such (user|mailbox|recipient|address|account|person|local user)|(user|mail ?box|recipient|address|account|addressee|e-?mail( address)?)( \S+)? (does not|doesn't|doesnt|did not|didn't) exist|(user|mail ?box|recipient|address|account)( \S+)? (was |is )?not (found|exist|existent|known|valid|listed)|(invalid|unknown|bad|non-?existent|unavailable|undeliverable|unrouteable|not a valid|incorrect) (mail ?box|recipient|user|account|destination|e-?mail)|invalid (final delivery )?userid|(recipient|user) name is not recognized|unknown recipient|not (a )?recognized (user|recipient|address)|mail ?box not (found|available)|mailbox unavailable|no mailbox (here )?by that name|addressee unknown|recipient (is )?(unknown|invalid|not (found|valid|allowed))|not a known user|no account by that name|account that you tried to reach does not exist|email address (you entered )?couldn't be found|couldn't be found|user not found|address (is )?unknown|no valid recipients|recipientnotfound|resolver\.adr\.recipnotfound|unknown or illegal alias|not our customer|bad destination mailbox|this address no longer accepts mail|does not have an account|no longer (valid|available|exists)|recipient unknown|unknown recipient|user doesn't have a \S+ account|is not a valid mailbox|address not present|unrouteable address|cannot find (the )?(mailbox|user|recipient)|no such file or directory|user missing home directory|mailbox not present|username not found|no user here|destination address.{0,20}(invalid|unknown)|the recipient does not exist|\bnot listed in\b.{0,40}(directory|address|recipient)|address lookup failed|not in my list of allowed rcpthosts|dosn't exist|mailbox does not exist|\brejected: user\b")),
        (BounceReason.HostUnknown, Rx(@"host (or domain name )?(unknown|not found)|unknown (host|domain)|no such (host|domain)|domain (name )?(does not|doesn't) exist|domain (name )?not (found|exist)|(name service|dns) error|domain.{0,10}(is )?not (found|resolvable|valid)|unrouteable (mail )?domain|could not be resolved|nxdomain|mx records? (point|points) to non-existent|no (mx|mail exchanger|route) (record )?for|all (relevant )?mx records|unresolvable|invalid domain|domain (lookup )?failed|host not found|name or service not known|domain.{0,20}no (longer )?(exists|mx)|recipient domain.{0,30}not found|unknown mail domain|illegal host/domain")),
        (BounceReason.NotAccept, Rx(@"(does not|doesn't) accept (any )?mail|null mx|accepts no mail|not accepting (any )?mail|host does not accept|no smtp service")),
        (BounceReason.NoRelaying, Rx(@"relay(ing)? (access )?(denied|not permitted|not allowed|prohibited)|(unable|not allowed|not permitted) to relay|we do not relay|relay not permitted|not (a )?(local|permitted) (domain|relay)|relaying mail to .* is not allowed|no relaying")),
        (BounceReason.AuthFailure, Rx(@"\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|unauthenticated (e-?mail|mail|message)|sender authentication|domainkeys|authentication check fail|5\.7\.26|5\.7\.509")),
        (BounceReason.RequirePtr, Rx(@"reverse (dns|lookup|hostname)|\bptr\b|\brdns\b|cannot find your hostname|client host .{0,60}(unknown|has no|rejected: cannot find)|hostname (does not|doesn't) resolve|not resolve.{0,20}(your|ip)|no (reverse|dns) (entry|record) for|ip name lookup failed|unresolvable (client|address)|cannot resolve your address|please set up.{0,20}(rdns|reverse)")),
        (BounceReason.BadReputation, Rx(@"(poor|bad|low) (ip )?reputation|reputation (of|is)|ip reputation|sender reputation|temporarily (rate )?limited.{0,60}reputation")),
        (BounceReason.Blocked, Rx(@"black ?list|block ?list|spamhaus|spamcop|\bsorbs\b|dnsbl|\brbl\b|barracuda ?(central|reputation)|listed (at|on|in|by)|\b(your|sender'?s?|sending|client) (ip|host|server)( address)?.{0,40}(blocked|banned|listed|rejected|denied|not allowed)|(ip|host|connection) .{0,30}(blocked|banned|rejected|refused)|access (denied|refused)|client host rejected|connection refused by|not allowed to send|has been blocked|is blocked|\bblocked\b|\bbanned\b|rejected.{0,20}(your|the) ip|please use the smtp server of your isp|dial-?up|dynamic (ip|address|pool)|residential|your (mail )?server.{0,20}(not|isn't) (allowed|authorized)|mail from .{0,60} refused|service not available.{0,40}(blocked|blacklist)")),
        (BounceReason.VirusDetected, Rx(@"virus|malware|infected|trojan|worm detected")),
        (BounceReason.SpamDetected, Rx(@"\bspam|junk mail|unsolicited|bulk (e-?)?mail|classified as (junk|bulk)|message (looks like|considered|identified as|determined to be).{0,20}(spam|junk|unsolicited)|content.{0,30}(spam|score)|high probability of being|\bscore\b.{0,30}(exceed|too high)")),
        (BounceReason.Filtered, Rx(@"filtered|(content|mail) filter|rejected by (the )?(recipient'?s? )?(filter|rule)|recipient'?s? filter|message (has been )?(rejected|refused|denied) by (the )?(recipient|user)|recipient (has )?(rejected|refused|declined)|(refused|rejected|denied) by (the )?(recipient|user)|user (has )?(refused|rejected|blocked)|sender (is )?(not )?(in|on) .{0,20}(block|deny|reject|allow|white)|not (accepting|receiving) mail from|does not (accept|want) mail from|has (chosen|decided) to block|blocked by (the )?(user|recipient)|rejected: header|this user doesn't accept")),
        (BounceReason.ContentError, Rx(@"content (rejected|error|not allowed)|message content|(prohibited|forbidden|blocked|not allowed|dangerous|executable) (attachment|file|content)|attachment.{0,30}(not allowed|prohibited|blocked|rejected)|improper use of 8-?bit|invalid mime|mime (error|structure)|illegal character|html (is )?not allowed")),
        (BounceReason.NotCompliantRfc, Rx(@"rfc ?(5322|2822|822|5321|2821)|not (rfc|standards?) compliant|line (is )?too long|duplicate (header|message-id)|(multiple|too many) (from|to|subject|date|message-id)|missing (required )?(header|from|date|message-id)|header.{0,20}(invalid|malformed|syntax)|malformed (header|message)|bare lf|bare linefeed")),
        (BounceReason.Rejected, Rx(@"sender (address |domain )?(rejected|refused|denied|unknown|not found|invalid|verify failed|verification failed|is not allowed)|(domain of|unknown|invalid|bad) sender|sender (address|domain) (does not|doesn't) exist|mail from .{0,60}(rejected|refused|denied|not accepted)|from address.{0,30}(rejected|invalid|not allowed)|envelope sender|return path.{0,30}(invalid|rejected)|sender.{0,20}not (verified|valid|permitted)|address verification (failed|failure)|sender.{0,30}blocked|rejected by sender")),
        (BounceReason.FailedStartTls, Rx(@"starttls.{0,40}(fail|error|not supported|required)|tls (negotiation|handshake) fail")),
        (BounceReason.SecurityError, Rx(@"authentication (is )?required|(must|should) (issue|use) (a )?starttls|tls (is )?required|encryption (is )?required|requires? authentication|authentication failed|unauthori[sz]ed|not authenticated|smtp auth|security (policy|error|violation)|insecure|certificate")),
        (BounceReason.PolicyViolation, Rx(@"polic(y|ies)|prohibited|not permitted|not allowed by|violat|restricted|abuse|terms of service|acceptable use")),
        (BounceReason.TooManyConnections, Rx(@"too many (connections|concurrent|simultaneous|recipients|sessions|hosts|open)|connection (limit|rate)|too many errors|maximum (number of )?(connections|recipients)|exceeds? (the )?(allowed )?number of (recipients|connections)")),
        (BounceReason.Speeding, Rx(@"rate limit|ratelimit|sending too (fast|much)|too many (messages|mails|emails)|throttl|exceeded (the )?(hourly|daily|sending)|limit exceeded|try again later.{0,40}(too|rate)|slow down|receiving mail at a rate")),
        (BounceReason.Expired, Rx(@"retry time(out)? (not reached|exceeded)|(message|delivery) (has )?(expired|timed? ?out)|delivery time expired|could not be delivered (within|for) \d+|gave up|giving up|too long in (the )?queue|(maximum|max) (queue|retry|delivery) (time|lifetime|period)|expired after|has been delayed|delivery (is |has been )?delayed|still (trying|being retried)|will (continue|keep) (to )?(try|retry)|delivery attempts will continue|unable to deliver.{0,40}(within|for) \d+|message timeout|queue(d)? too long|not delivered.{0,30}(days|hours)")),
        (BounceReason.NetworkError, Rx(@"connection (refused|timed? ?out|reset|closed|lost|dropped)|timed? ?out|no route to host|network (is )?unreachable|mail (for .{0,60})?loops? back to myself|mail loop|routing loop|loop detected|too many hops|hop count exceeded|lost connection|conversation with .{0,60} timed out|could not connect|unable to connect|connect to .{0,80} (refused|failed)|broken pipe|dns (lookup )?(failure|timeout|temporary)|temporary (dns|lookup) failure")),
        (BounceReason.SystemFull, Rx(@"(disk|file ?system|queue) (is )?full|insufficient system (storage|resources)|out of (disk )?space|no space left")),
        (BounceReason.SystemError, Rx(@"system (error|failure|not available)|internal (server )?error|server (error|failure|busy)|local error|service (is )?(currently )?unavailable|temporar(y|ily) (failure|unavailable|error|problem)|transient (failure|error)|try (again )?later|resources temporarily|too busy|configuration error|mail server (temporarily )?(rejected|unavailable)|local configuration|misconfigur")),
        (BounceReason.MailerError, Rx(@"procmail|command (output|died|failed)|mailer (error|program)|\bpipe\b|x-unix|exit (code|status)|\bmaildrop\b|sieve|delivery agent|program (failed|exited)|unknown mailer")),
        (BounceReason.SyntaxError, Rx(@"syntax error|command (unrecognized|not recognized)|unrecognized command|bad sequence of commands|invalid command|line too long.{0,20}command")),
    ];

    /// <summary>The reason the text names, or <see cref="BounceReason.Undefined"/>.</summary>
    public static BounceReason FromText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return BounceReason.Undefined;
        }

        var input = text.Length > 4000 ? text[..4000] : text;
        foreach (var (reason, pattern) in TextRules)
        {
            if (pattern.IsMatch(input))
            {
                return reason;
            }
        }

        return BounceReason.Undefined;
    }

    /// <summary>The reason an enhanced status code (RFC 3463) names, or <see cref="BounceReason.Undefined"/> for a
    /// generic code (X.0.0 and the like).</summary>
    public static BounceReason FromStatus(string? status)
    {
        if (status is null || !TryParseStatus(status, out var cls, out var subject, out var detail))
        {
            return BounceReason.Undefined;
        }

        return (subject, detail) switch
        {
            (1, 1) or (1, 0) or (1, 3) or (1, 4) or (1, 9) or (1, 5) => BounceReason.UserUnknown,
            (1, 2) => BounceReason.HostUnknown,
            (1, 6) => BounceReason.HasMoved,
            (1, 7) or (1, 8) => BounceReason.Rejected,
            (1, 10) => BounceReason.NotAccept,
            (2, 1) => BounceReason.Suspended,
            (2, 2) => BounceReason.MailboxFull,
            (2, 3) => BounceReason.ExceedLimit,
            (2, 4) => BounceReason.SystemError,
            (3, 1) => BounceReason.SystemFull,
            (3, 2) => BounceReason.NotAccept,
            (3, 4) => BounceReason.MessageTooBig,
            (3, 0) or (3, 3) or (3, 5) => BounceReason.SystemError,
            (4, 1) => cls == 4 ? BounceReason.Expired : BounceReason.NetworkError,
            (4, 2) => cls == 4 ? BounceReason.Expired : BounceReason.NetworkError,
            (4, 3) => BounceReason.SystemError,
            (4, 4) => BounceReason.HostUnknown,
            (4, 5) => BounceReason.SystemFull,
            (4, 6) => BounceReason.NetworkError,
            (4, 7) => BounceReason.Expired,
            (5, 3) => BounceReason.TooManyConnections,
            (5, 0) or (5, 1) or (5, 2) or (5, 4) or (5, 5) => BounceReason.SyntaxError,
            (6, _) => BounceReason.ContentError,
            (7, 1) => BounceReason.Blocked,
            (7, 2) or (7, 3) or (7, 4) or (7, 5) or (7, 6) => BounceReason.SecurityError,
            (7, 7) or (7, 9) or (7, 8) or (7, 11) or (7, 12) => BounceReason.SecurityError,
            (7, 13) or (7, 14) => BounceReason.Suspended,
            (7, 15) or (7, 16) or (7, 17) => BounceReason.SecurityError,
            (7, 23) or (7, 24) or (7, 26) or (7, 20) or (7, 21) or (7, 22) or (7, 509) => BounceReason.AuthFailure,
            (7, 25) => BounceReason.RequirePtr,
            (7, 27) => BounceReason.NotAccept,
            (7, 606) or (7, 511) => BounceReason.Blocked,
            (7, 650) or (7, 750) => BounceReason.BadReputation,
            _ => BounceReason.Undefined,
        };
    }

    /// <summary>The reason a bare SMTP reply code names (RFC 5321), or <see cref="BounceReason.Undefined"/>.</summary>
    public static BounceReason FromReplyCode(int code) => code switch
    {
        421 => BounceReason.SystemError,
        450 or 550 => BounceReason.Undefined,
        451 => BounceReason.SystemError,
        452 or 552 => BounceReason.MailboxFull,
        500 or 501 or 502 or 503 or 504 => BounceReason.SyntaxError,
        553 => BounceReason.UserUnknown,
        554 => BounceReason.Undefined,
        _ => BounceReason.Undefined,
    };

    /// <summary>Whether the reason means the address itself does not work (a hard bounce), given the failure is permanent
    /// (<paramref name="permanent"/>). User and host unknown and moved are hard even when a server said 4xx (they do
    /// not heal); a domain that accepts no mail is hard only when said permanently. Everything else is soft: blocks,
    /// filters, policy and content rejections are about the sender or the message, not the address.</summary>
    public static bool IsHard(BounceReason reason, bool permanent) => reason switch
    {
        BounceReason.UserUnknown or BounceReason.HostUnknown or BounceReason.HasMoved => true,
        BounceReason.NotAccept => permanent,
        _ => false,
    };

    /// <summary>Parses <c>class.subject.detail</c>.</summary>
    public static bool TryParseStatus(string status, out int cls, out int subject, out int detail)
    {
        cls = subject = detail = 0;
        var parts = status.Trim().Split('.');
        return parts.Length == 3
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out cls) && cls is 2 or 4 or 5
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out subject) && subject < 1000
            && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out detail) && detail < 1000;
    }

    private static Regex Rx(string pattern) => new(pattern, Options);
}
