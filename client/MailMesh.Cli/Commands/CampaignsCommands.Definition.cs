using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using MailMesh.Api.V1;

namespace MailMesh.Cli.Commands;

/// <summary>The definition options shared by <c>campaigns create</c> and <c>campaigns update</c>: given options replace
/// the corresponding fields, the others stay as they are.</summary>
internal static partial class CampaignsCommands
{
    private static readonly string[] Days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    private sealed class DefinitionOptions
    {
        public Option<string?> Name { get; } = new("--name") { Description = "A human name for the campaign" };

        public Option<string?> Template { get; } = new("--template", "-t") { Description = "The saved template to send" };

        public Option<string?> Segment { get; } = new("--segment") { Description = "The saved segment to send to (evaluated when sending starts)" };

        public Option<string?> List { get; } = new("--list") { Description = "The list the mail belongs to (only its members; unsubscribe removes them from it)" };

        public Option<string?> From { get; } = new("--from") { Description = "The From address" };

        public Option<string?> FromName { get; } = new("--from-name") { Description = "The From display name" };

        public Option<string?> ReplyTo { get; } = new("--reply-to") { Description = "A Reply-To address" };

        public Option<string?> TimeZone { get; } = new("--time-zone") { Description = "IANA time zone for the windows when a contact's is unknown (default UTC)" };

        public Option<string[]> Windows { get; } = new("--window", "-w")
        {
            Description = "A send window as 'DAYS HH:MM-HH:MM', e.g. 'mon-fri 09:00-17:30', 'sat,sun 10:00-12:00' or '08:00-20:00' (every day); repeat for several",
        };

        public Option<bool> AnyTime { get; } = new("--any-time") { Description = "Remove the send windows (send at any time)" };

        public Option<int?> Spread { get; } = new("--spread") { Description = "Spread send times over this many minutes from a window's start" };

        public Option<int?> PerMinute { get; } = new("--per-minute") { Description = "Messages per minute overall (0 = no limit)" };

        public Option<int?> PerDomain { get; } = new("--per-domain") { Description = "Messages per minute to one recipient domain (0 = no limit)" };

        public Option<bool> NoSlowStart { get; } = new("--no-slow-start") { Description = "Do not ramp up slowly for a new sending domain" };

        public Option<string?> MaxDeferral { get; } = new("--max-deferral") { Description = "How long deferred recipients are retried, e.g. 48h, 90m, 3d (default 48h)" };

        public Option<bool> NoTracking { get; } = new("--no-tracking") { Description = "Do not track opens and clicks" };

        public void AddTo(Command command)
        {
            foreach (var option in (System.CommandLine.Option[])[Name, Template, Segment, List, From, FromName, ReplyTo, TimeZone, Windows, AnyTime, Spread, PerMinute, PerDomain, NoSlowStart, MaxDeferral, NoTracking])
            {
                command.Add(option);
            }
        }

        /// <summary>Applies the given options to <paramref name="d"/> (a fresh definition for create, the current one for update).</summary>
        public CampaignDefinition Apply(ParseResult parse, CampaignDefinition d)
        {
            d.Sender ??= new CampaignSender();
            d.Throttle ??= new CampaignThrottle();
            Set(parse, Name, v => d.Name = v);
            Set(parse, Template, v => d.Template = v);
            Set(parse, Segment, v => d.Segment = v);
            Set(parse, List, v => d.List = v);
            Set(parse, From, v => d.Sender.FromAddress = v);
            Set(parse, FromName, v => d.Sender.FromName = v);
            Set(parse, ReplyTo, v => d.Sender.ReplyTo = v);
            Set(parse, TimeZone, v => d.TimeZone = v);
            var windows = parse.GetValue(Windows) ?? [];
            if (parse.GetValue(AnyTime) || windows.Length > 0)
            {
                d.Windows.Clear();
                d.Windows.AddRange(windows.Select(ParseWindow));
            }

            if (parse.GetValue(Spread) is { } spread)
            {
                d.SpreadMinutes = spread;
            }

            if (parse.GetValue(PerMinute) is { } perMinute)
            {
                d.Throttle.PerMinute = perMinute;
            }

            if (parse.GetValue(PerDomain) is { } perDomain)
            {
                d.Throttle.PerDomainPerMinute = perDomain;
            }

            if (parse.GetValue(NoSlowStart))
            {
                d.Throttle.SlowStart = false;
            }

            Set(parse, MaxDeferral, v => d.MaxDeferral = Duration.FromTimeSpan(ParseDuration(v, "--max-deferral")));
            if (parse.GetValue(NoTracking))
            {
                d.Track = false;
            }

            return d;
        }

        private static void Set(ParseResult parse, Option<string?> option, Action<string> set)
        {
            if (parse.GetValue(option) is { } value)
            {
                set(value);
            }
        }
    }

    /// <summary>'mon-fri 09:00-17:30', 'sat,sun 10:00-12:00', '08:00-20:00'.</summary>
    internal static SendWindow ParseWindow(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length is 0 or > 2)
        {
            throw new CliException($"--window '{text}': write it as 'DAYS HH:MM-HH:MM', e.g. 'mon-fri 09:00-17:30'");
        }

        var hours = parts[^1].Split('-');
        if (hours.Length != 2)
        {
            throw new CliException($"--window '{text}': the hours must be 'HH:MM-HH:MM', not '{parts[^1]}'");
        }

        var window = new SendWindow { Start = hours[0], End = hours[1] };
        if (parts.Length == 2)
        {
            foreach (var item in parts[0].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var range = item.Split('-');
                if (range.Length == 1)
                {
                    window.Days.Add(item.ToLowerInvariant());
                    continue;
                }

                var from = Array.IndexOf(Days, range[0].ToLowerInvariant());
                var to = Array.IndexOf(Days, range[1].ToLowerInvariant());
                if (range.Length != 2 || from < 0 || to < 0 || to < from)
                {
                    throw new CliException($"--window '{text}': '{item}' is not a day range such as mon-fri");
                }

                window.Days.AddRange(Days[from..(to + 1)]);
            }
        }

        return window;
    }

    /// <summary>'48h', '90m', '3d', '30s' or a .NET time span ('1.12:00:00').</summary>
    internal static TimeSpan ParseDuration(string text, string option)
    {
        var value = text.Trim();
        if (value.Length > 1 && double.TryParse(value[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && number > 0)
        {
            switch (char.ToLowerInvariant(value[^1]))
            {
                case 's': return TimeSpan.FromSeconds(number);
                case 'm': return TimeSpan.FromMinutes(number);
                case 'h': return TimeSpan.FromHours(number);
                case 'd': return TimeSpan.FromDays(number);
            }
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new CliException($"{option} '{text}' is not a duration such as 30s, 90m, 48h or 3d");
    }

    /// <summary>An ISO 8601 time with an offset ('2026-11-24T09:00:00+01:00', '2026-11-24T08:00Z'), or 'now'.</summary>
    internal static Timestamp? ParseStart(string? text)
    {
        if (text is null || text.Equals("now", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            throw new CliException($"--at '{text}' is not a time such as 2026-11-24T09:00:00+01:00 (UTC when no offset is given)");
        }

        return Timestamp.FromDateTimeOffset(at);
    }
}
