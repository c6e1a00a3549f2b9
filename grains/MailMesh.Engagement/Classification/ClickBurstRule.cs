namespace MailMesh.Engagement.Classification;

/// <summary>One click as the burst rule remembers it.</summary>
/// <param name="Id">The hit.</param>
/// <param name="At">When.</param>
/// <param name="LinkIndex">Which link.</param>
/// <param name="Machine">Its classification so far.</param>
/// <param name="Reason">Why.</param>
public sealed record RecentClick(Guid Id, DateTimeOffset At, int LinkIndex, bool Machine, string? Reason);

/// <summary>Several different links of one message clicked within a second are a scanner, not a person: each such click,
/// and the earlier clicks of the burst, become machine clicks with reason <c>click-burst</c>.</summary>
public static class ClickBurstRule
{
    /// <summary>The reason recorded for burst clicks.</summary>
    public const string Reason = "click-burst";

    /// <summary>The earlier human clicks (from <paramref name="recent"/>, newest last) that form a burst with a click on
    /// <paramref name="linkIndex"/> at <paramref name="at"/>; empty when there is no burst. When the result is not empty, or
    /// an earlier machine burst click is within the window, the new click is a burst click too
    /// (<paramref name="isBurst"/>).</summary>
    public static List<int> Find(IReadOnlyList<RecentClick> recent, DateTimeOffset at, int linkIndex, TimeSpan window, out bool isBurst)
    {
        ArgumentNullException.ThrowIfNull(recent);
        var humans = new List<int>();
        isBurst = false;
        for (var i = recent.Count - 1; i >= 0; i--)
        {
            var click = recent[i];
            if ((at - click.At).Duration() > window)
            {
                continue;
            }

            if (click.LinkIndex != linkIndex || click.Reason == Reason)
            {
                isBurst = true;
                if (!click.Machine)
                {
                    humans.Add(i);
                }
            }
        }

        return humans;
    }
}
