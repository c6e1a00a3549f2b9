using MailMesh.Engagement.Classification;
using MailMesh.Grains.Engagement;

namespace MailMesh.Engagement.Scoring;

public sealed partial class ContactEngagementGrain
{
    private (bool Machine, string? Reason) ApplyBurst(ContactEngagementState s, TrackedHit hit, List<HitOutcome> outcomes)
    {
        var earlier = ClickBurstRule.Find(s.RecentClicks, hit.At, hit.LinkIndex, classification.Value.ClickBurstWindow, out var burst);
        foreach (var index in earlier)
        {
            // An earlier click counted as human belongs to a scanner's burst: count it as a machine click after all.
            var click = s.RecentClicks[index];
            s.RecentClicks[index] = click with { Machine = true, Reason = ClickBurstRule.Reason };
            s.HumanClicks = Math.Max(0, s.HumanClicks - 1);
            var day = EngagementScorer.DayOf(click.At);
            var at = s.Days.FindIndex(d => d.Day == day);
            if (at >= 0)
            {
                s.Days[at] = s.Days[at] with { Clicks = Math.Max(0, s.Days[at].Clicks - 1) };
            }

            if (s.LastClickAt == click.At)
            {
                s.LastClickAt = s.RecentClicks.Where(c => !c.Machine).Select(c => (DateTimeOffset?)c.At).Max();
            }

            var outcome = outcomes.FindIndex(o => o.Id == click.Id);
            if (outcome >= 0)
            {
                outcomes[outcome] = outcomes[outcome] with { Machine = true, Reason = ClickBurstRule.Reason };
            }
            else
            {
                outcomes.Add(new HitOutcome(click.Id, true, ClickBurstRule.Reason));
            }
        }

        var result = burst && !hit.Machine ? (true, ClickBurstRule.Reason) : (hit.Machine, hit.Reason);
        s.RecentClicks.Add(new RecentClick(hit.Id, hit.At, hit.LinkIndex, result.Item1, result.Item2));
        if (s.RecentClicks.Count > ContactEngagementState.MaxRecentClicks)
        {
            s.RecentClicks.RemoveAt(0);
        }

        return result;
    }

    private static void Count(ContactEngagementState s, TrackedHit hit, bool machine)
    {
        var open = hit.Kind == HitKind.Open;
        if (open)
        {
            s.RawOpens++;
        }
        else
        {
            s.RawClicks++;
        }

        if (machine)
        {
            return;
        }

        if (open)
        {
            s.HumanOpens++;
            s.LastOpenAt = s.LastOpenAt is { } lo && lo > hit.At ? lo : hit.At;
        }
        else
        {
            s.HumanClicks++;
            s.LastClickAt = s.LastClickAt is { } lc && lc > hit.At ? lc : hit.At;
        }

        var day = EngagementScorer.DayOf(hit.At);
        var index = s.Days.FindLastIndex(d => d.Day == day);
        if (index < 0)
        {
            var insertAt = s.Days.FindLastIndex(d => d.Day < day) + 1;
            s.Days.Insert(insertAt, new DayCount(day, 0, 0));
            index = insertAt;
        }

        s.Days[index] = open ? s.Days[index] with { Opens = s.Days[index].Opens + 1 } : s.Days[index] with { Clicks = s.Days[index].Clicks + 1 };
        var oldest = day - ContactEngagementState.MaxDays;
        s.Days.RemoveAll(d => d.Day < oldest);
    }

    /// <summary>Keeps the latest <see cref="ContactEngagementState.MaxRecentIds"/> hit ids (once per batch: trimming per hit
    /// moved the whole list each time) and <see cref="ContactEngagementState.MaxHandOvers"/> hand-overs.</summary>
    private static void Forget(ContactEngagementState s)
    {
        if (s.HandOvers.Count > ContactEngagementState.MaxHandOvers)
        {
            s.HandOvers.RemoveRange(0, s.HandOvers.Count - ContactEngagementState.MaxHandOvers);
        }

        if (s.RecentIds.Count > ContactEngagementState.MaxRecentIds)
        {
            s.RecentIds.RemoveRange(0, s.RecentIds.Count - ContactEngagementState.MaxRecentIds);
        }
    }
}
