using System.Buffers;
using System.Text;
using HandlebarsDotNet;

namespace MailMesh.Campaigns.Templates;

/// <summary>A rendered HTML part with the places of its escaped values (<c>{{…}}</c>), the "holes": everything outside
/// them is the same for every recipient who gets the same shape of the template (the same blocks taken, the same
/// number of loop turns), which lets the HTML pass be planned once per shape (docs/adr/campaigns-19-html-pass-per-shape.md).</summary>
internal sealed class MarkedHtml
{
    /// <summary>Opens an escaped value in the marked rendering (a private-use character, refused in template sources).</summary>
    public const char Open = '\uE000';

    /// <summary>Closes an escaped value in the marked rendering.</summary>
    public const char Close = '\uE001';

    private static readonly SearchValues<char> Markers = SearchValues.Create([Open, Close]);

    private MarkedHtml(string html, int[] starts, int[] lengths)
    {
        Html = html;
        Starts = starts;
        Lengths = lengths;
    }

    /// <summary>The HTML as the recipient gets it (no markers).</summary>
    public string Html { get; }

    /// <summary>Where each non-empty escaped value starts in <see cref="Html"/>, in order.</summary>
    public int[] Starts { get; }

    /// <summary>The length of each escaped value.</summary>
    public int[] Lengths { get; }

    /// <summary>The HTML of <paramref name="marked"/> without its markers, with the values' places; null when the markers
    /// are not exactly the <paramref name="values"/> pairs the encoder wrote (a value or raw output held a marker
    /// character itself), in which case the part must be rendered again without markers.</summary>
    public static MarkedHtml? Strip(string marked, int values)
    {
        var html = new StringBuilder(marked.Length);
        var starts = new List<int>(values);
        var lengths = new List<int>(values);
        var opens = 0;
        var open = -1;
        var at = 0;
        while (true)
        {
            var next = marked.AsSpan(at).IndexOfAny(Markers);
            if (next < 0)
            {
                html.Append(marked, at, marked.Length - at);
                break;
            }

            html.Append(marked, at, next);
            at += next;
            if (marked[at] == Open)
            {
                if (open >= 0)
                {
                    return null;
                }

                open = html.Length;
                opens++;
            }
            else
            {
                if (open < 0)
                {
                    return null;
                }

                if (html.Length > open)
                {
                    starts.Add(open);
                    lengths.Add(html.Length - open);
                }

                open = -1;
            }

            at++;
        }

        return open >= 0 || opens != values ? null : new MarkedHtml(html.ToString(), [.. starts], [.. lengths]);
    }

    /// <summary>This HTML with <paramref name="prefix"/>, <paramref name="value"/> (a value of its own, as a hole) and
    /// <paramref name="suffix"/> inserted at <paramref name="at"/>, which must not lie inside a value.</summary>
    public MarkedHtml Insert(int at, string prefix, string value, string suffix)
    {
        var html = string.Concat(Html.AsSpan(0, at), prefix, value, suffix) + Html[at..];
        var grow = prefix.Length + value.Length + suffix.Length;
        var starts = new List<int>(Starts.Length + 1);
        var lengths = new List<int>(Starts.Length + 1);
        var inserted = value.Length == 0;
        for (var i = 0; i < Starts.Length; i++)
        {
            if (!inserted && Starts[i] >= at)
            {
                starts.Add(at + prefix.Length);
                lengths.Add(value.Length);
                inserted = true;
            }

            starts.Add(Starts[i] >= at ? Starts[i] + grow : Starts[i]);
            lengths.Add(Lengths[i]);
        }

        if (!inserted)
        {
            starts.Add(at + prefix.Length);
            lengths.Add(value.Length);
        }

        return new MarkedHtml(html, [.. starts], [.. lengths]);
    }

    /// <summary>Whether <paramref name="at"/> lies strictly inside a value or at its start.</summary>
    public bool InValue(int at)
    {
        for (var i = 0; i < Starts.Length; i++)
        {
            if (at >= Starts[i] && at < Starts[i] + Lengths[i])
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The HTML environment's encoder with each escaped value wrapped in <see cref="MarkedHtml.Open"/> and
/// <see cref="MarkedHtml.Close"/>; counts the values it wrote on this thread (<see cref="Reset"/>).</summary>
internal sealed class MarkingEncoder(ITextEncoder inner) : ITextEncoder
{
    [ThreadStatic]
    private static int t_values;

    /// <summary>Starts counting for one rendering on this thread; the count of the previous one.</summary>
    public static int Reset()
    {
        var values = t_values;
        t_values = 0;
        return values;
    }

    public void Encode(StringBuilder? text, TextWriter target)
    {
        if (text is null || text.Length == 0)
        {
            return;
        }

        Wrap(target);
        inner.Encode(text, target);
        target.Write(MarkedHtml.Close);
    }

    public void Encode(string? text, TextWriter target)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        Wrap(target);
        inner.Encode(text, target);
        target.Write(MarkedHtml.Close);
    }

    public void Encode<T>(T? text, TextWriter target)
        where T : IEnumerator<char>
    {
        if (text is null)
        {
            return;
        }

        Wrap(target);
        inner.Encode<T>(text, target);
        target.Write(MarkedHtml.Close);
    }

    private static void Wrap(TextWriter target)
    {
        t_values++;
        target.Write(MarkedHtml.Open);
    }
}
