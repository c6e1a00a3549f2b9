using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;
using MailMesh.Grpc;
using G = MailMesh.Grains.Campaigns;

namespace MailMesh.Api.Services;

/// <summary>Definitions from the wire (checked field by field) and campaigns back to it.</summary>
internal sealed partial class CampaignsApi
{
    private const int MaxNameLength = 200;
    private const int MaxSpreadMinutes = 24 * 60;
    private static readonly TimeSpan DefaultMaxDeferral = TimeSpan.FromHours(48);
    private static readonly TimeSpan MaxMaxDeferral = TimeSpan.FromDays(30);

    /// <summary>The "24:00" end of a day.</summary>
    private static readonly TimeOnly EndOfDay = TimeOnly.MaxValue;

    private static readonly Dictionary<string, DayOfWeek> DayNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["mon"] = DayOfWeek.Monday, ["tue"] = DayOfWeek.Tuesday, ["wed"] = DayOfWeek.Wednesday, ["thu"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday, ["sat"] = DayOfWeek.Saturday, ["sun"] = DayOfWeek.Sunday,
        ["monday"] = DayOfWeek.Monday, ["tuesday"] = DayOfWeek.Tuesday, ["wednesday"] = DayOfWeek.Wednesday, ["thursday"] = DayOfWeek.Thursday,
        ["friday"] = DayOfWeek.Friday, ["saturday"] = DayOfWeek.Saturday, ["sunday"] = DayOfWeek.Sunday,
    };

    private static readonly DayOfWeek[] EveryDay =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    /// <summary>The grain's definition; every problem is INVALID_ARGUMENT naming its field.</summary>
    internal static G.CampaignDefinition ToDefinition(CampaignDefinition? d)
    {
        if (d is null)
        {
            throw new InvalidArgumentException("definition", "give the campaign's definition");
        }

        var name = d.Name.Trim();
        if (name.Length is 0 or > MaxNameLength)
        {
            throw new InvalidArgumentException("definition.name", name.Length == 0 ? "give the campaign a name" : $"at most {MaxNameLength} characters, not {name.Length}");
        }

        var template = Required(d.Template, "definition.template", "give the name of a saved template");
        var segment = Required(d.Segment, "definition.segment", "give the name of a saved segment (the audience)");
        var sender = d.Sender ?? throw new InvalidArgumentException("definition.sender.from_address", "give the From address");
        var from = Address(Required(sender.FromAddress, "definition.sender.from_address", "give the From address"), "definition.sender.from_address");
        var replyTo = sender.ReplyTo.Trim().Length == 0 ? null : Address(sender.ReplyTo.Trim(), "definition.sender.reply_to");
        if (d.SpreadMinutes is < 0 or > MaxSpreadMinutes)
        {
            throw new InvalidArgumentException("definition.spread_minutes", $"must be 0 to {MaxSpreadMinutes}, not {d.SpreadMinutes}");
        }

        var throttle = d.Throttle ?? new CampaignThrottle();
        if (throttle.PerMinute < 0)
        {
            throw new InvalidArgumentException("definition.throttle.per_minute", $"must be 0 (no limit) or more, not {throttle.PerMinute}");
        }

        if (throttle.PerDomainPerMinute < 0)
        {
            throw new InvalidArgumentException("definition.throttle.per_domain_per_minute", $"must be 0 (no limit) or more, not {throttle.PerDomainPerMinute}");
        }

        var maxDeferral = DefaultMaxDeferral;
        if (d.MaxDeferral is { } deferral)
        {
            maxDeferral = deferral.ToTimeSpan();
            if (maxDeferral <= TimeSpan.Zero || maxDeferral > MaxMaxDeferral)
            {
                throw new InvalidArgumentException("definition.max_deferral", $"must be more than 0 and at most {MaxMaxDeferral.TotalDays:0} days, not {maxDeferral}");
            }
        }

        var windows = new List<G.SendWindow>(d.Windows.Count);
        for (var i = 0; i < d.Windows.Count; i++)
        {
            windows.Add(ToWindow(d.Windows[i], $"definition.windows[{i}]"));
        }

        var timeZone = d.TimeZone.Trim();
        return new G.CampaignDefinition(
            name, template, segment, d.List.Trim().Length == 0 ? null : d.List.Trim(),
            new G.CampaignSender(from, sender.FromName.Trim().Length == 0 ? null : sender.FromName.Trim(), replyTo),
            timeZone.Length == 0 ? "UTC" : timeZone, windows, d.SpreadMinutes,
            new G.CampaignThrottle(throttle.PerMinute, throttle.PerDomainPerMinute, !throttle.HasSlowStart || throttle.SlowStart),
            maxDeferral, !d.HasTrack || d.Track);
    }

    private static G.SendWindow ToWindow(SendWindow w, string field)
    {
        var days = new List<DayOfWeek>();
        for (var i = 0; i < w.Days.Count; i++)
        {
            if (!DayNames.TryGetValue(w.Days[i].Trim(), out var day))
            {
                throw new InvalidArgumentException($"{field}.days[{i}]", $"'{w.Days[i]}' is not a day; use mon, tue, wed, thu, fri, sat or sun");
            }

            if (!days.Contains(day))
            {
                days.Add(day);
            }
        }

        var start = Time(w.Start, $"{field}.start");
        var end = Time(w.End, $"{field}.end");
        if (end <= start)
        {
            throw new InvalidArgumentException($"{field}.end", $"{w.End} is not after the start {w.Start}; a window across midnight is two windows");
        }

        return new G.SendWindow(days.Count == 0 ? EveryDay : days, start, end);
    }

    private static TimeOnly Time(string value, string field)
    {
        var text = value.Trim();
        if (text == "24:00")
        {
            return EndOfDay;
        }

        if (!TimeOnly.TryParseExact(text, ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            throw new InvalidArgumentException(field, text.Length == 0 ? "give a time as HH:MM" : $"'{value}' is not a time as HH:MM (00:00 to 24:00)");
        }

        return time;
    }

    private static string Required(string value, string field, string problem)
    {
        var trimmed = value.Trim();
        return trimmed.Length == 0 ? throw new InvalidArgumentException(field, problem) : trimmed;
    }

    private static string Address(string value, string field)
    {
        var at = value.LastIndexOf('@');
        if (at <= 0 || at == value.Length - 1 || value.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or ',' or ';'))
        {
            throw new InvalidArgumentException(field, $"'{value}' is not an email address");
        }

        return value;
    }

    internal static Campaign ToProto(G.CampaignInfo c) => new()
    {
        Id = c.Id, Definition = ToProto(c.Definition), Status = (CampaignStatus)(int)c.Status, StatusReason = c.StatusReason ?? "",
        ScheduledFor = Stamp(c.ScheduledFor), StartedAt = Stamp(c.StartedAt), FinishedAt = Stamp(c.FinishedAt),
        Progress = new CampaignProgress
        {
            Planned = c.Progress.Planned, Queued = c.Progress.Queued, Sending = c.Progress.Sending, Sent = c.Progress.Sent,
            Deferred = c.Progress.Deferred, Failed = c.Progress.Failed, Suppressed = c.Progress.Suppressed, Cancelled = c.Progress.Cancelled,
            Done = c.Progress.Done,
        },
        CreatedAt = Timestamp.FromDateTimeOffset(c.CreatedAt), UpdatedAt = Timestamp.FromDateTimeOffset(c.UpdatedAt), Version = c.Version,
    };

    private static CampaignDefinition ToProto(G.CampaignDefinition d)
    {
        var proto = new CampaignDefinition
        {
            Name = d.Name, Template = d.Template, Segment = d.Segment, List = d.List ?? "",
            Sender = new CampaignSender { FromAddress = d.Sender.FromAddress, FromName = d.Sender.FromName ?? "", ReplyTo = d.Sender.ReplyTo ?? "" },
            TimeZone = d.TimeZone, SpreadMinutes = d.SpreadMinutes,
            Throttle = new CampaignThrottle { PerMinute = d.Throttle.PerMinute, PerDomainPerMinute = d.Throttle.PerDomainPerMinute, SlowStart = d.Throttle.SlowStart },
            MaxDeferral = Duration.FromTimeSpan(d.MaxDeferral), Track = d.Track,
        };
        foreach (var w in d.Windows)
        {
            var window = new SendWindow { Start = w.Start.ToString("HH:mm", CultureInfo.InvariantCulture), End = w.End == EndOfDay ? "24:00" : w.End.ToString("HH:mm", CultureInfo.InvariantCulture) };
            window.Days.AddRange(w.Days.Select(day => day.ToString()[..3].ToLowerInvariant()));
            proto.Windows.Add(window);
        }

        return proto;
    }

    private static CampaignSummary ToProto(G.CampaignSummary s) => new()
    {
        Id = s.Id, Name = s.Name, Status = (CampaignStatus)(int)s.Status,
        CreatedAt = Timestamp.FromDateTimeOffset(s.CreatedAt), UpdatedAt = Timestamp.FromDateTimeOffset(s.UpdatedAt),
    };

    private static Timestamp? Stamp(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
