using System.Text;
using HandlebarsDotNet;

namespace MailMesh.Campaigns.Templates;

/// <summary>A rendered HTML part with the places of its escaped values (<c>{{…}}</c>), the "holes": everything outside
/// them is the same for every recipient who gets the same shape of the template (the same blocks taken, the same
/// number of loop turns), which lets the HTML pass be planned once per shape (docs/adr/campaigns-19-html-pass-per-shape.md).</summary>
internal sealed class MarkedHtml
{
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

    /// <summary>A rendered HTML part with the places of its values.</summary>
    public static MarkedHtml From(string html, List<int> starts, List<int> lengths) => new(html, [.. starts], [.. lengths]);

    /// <summary>This HTML with <paramref name="prefix"/>, <paramref name="value"/> (a value of its own, as a hole) and
    /// <paramref name="suffix"/> inserted at <paramref name="at"/>, which must not lie inside a value.</summary>
    public MarkedHtml Insert(int at, string prefix, string value, string suffix)
    {
        var html = string.Create(Html.Length + prefix.Length + value.Length + suffix.Length, (Html, at, prefix, value, suffix), static (span, parts) =>
        {
            var (whole, at, prefix, value, suffix) = parts;
            whole.AsSpan(0, at).CopyTo(span);
            span = span[at..];
            prefix.CopyTo(span);
            value.CopyTo(span[prefix.Length..]);
            suffix.CopyTo(span[(prefix.Length + value.Length)..]);
            whole.AsSpan(at).CopyTo(span[(prefix.Length + value.Length + suffix.Length)..]);
        });
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

/// <summary>Collects a rendering of the HTML part and where its escaped values lie: <see cref="MarkingEncoder"/> tells it
/// when a value starts and ends. One per thread, reused.</summary>
internal sealed class ValueRecordingWriter : TextWriter
{
    [ThreadStatic]
    private static ValueRecordingWriter? t_writer;
    private const int MaxRetainedCapacity = 256 * 1024;

    private readonly StringBuilder _html = new(4096);
    private readonly List<int> _starts = [];
    private readonly List<int> _lengths = [];
    private int _open = -1;
    private bool _lost;

    public override Encoding Encoding => Encoding.Unicode;

    /// <summary>This thread's writer, emptied.</summary>
    public static ValueRecordingWriter Rent()
    {
        var writer = t_writer ?? new ValueRecordingWriter();
        t_writer = null;
        writer._html.Clear();
        writer._starts.Clear();
        writer._lengths.Clear();
        (writer._open, writer._lost) = (-1, false);
        return writer;
    }

    /// <summary>The HTML written (and the writer handed back), with the places of its values unless a value was written
    /// where they could not be followed.</summary>
    public (string Html, MarkedHtml? Marked) Finish()
    {
        var html = _html.ToString();
        var marked = _lost || _open >= 0 ? null : MarkedHtml.From(html, _starts, _lengths);
        if (_html.Capacity <= MaxRetainedCapacity)
        {
            t_writer = this;
        }

        return (html, marked);
    }

    /// <summary>An escaped value starts.</summary>
    public void BeginValue()
    {
        _lost |= _open >= 0;
        _open = _html.Length;
    }

    /// <summary>The escaped value ends.</summary>
    public void EndValue()
    {
        if (_open < 0)
        {
            _lost = true;
            return;
        }

        if (_html.Length > _open)
        {
            _starts.Add(_open);
            _lengths.Add(_html.Length - _open);
        }

        _open = -1;
    }

    public void MarkLost() => _lost = true;

    public override void Write(char value) => _html.Append(value);

    public override void Write(string? value) => _html.Append(value);

    public override void Write(char[] buffer, int index, int count) => _html.Append(buffer, index, count);

    public override void Write(ReadOnlySpan<char> buffer) => _html.Append(buffer);
}

/// <summary>The HTML environment's encoder that tells a <see cref="ValueRecordingWriter"/> where each escaped value
/// starts and ends (docs/adr/campaigns-19-html-pass-per-shape.md).</summary>
internal sealed class MarkingEncoder(ITextEncoder inner) : ITextEncoder
{
    public void Encode(StringBuilder? text, TextWriter target)
    {
        if (text is null || text.Length == 0)
        {
            return;
        }

        var writer = Begin(target);
        inner.Encode(text, target);
        writer?.EndValue();
    }

    public void Encode(string? text, TextWriter target)
    {
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        var writer = Begin(target);
        inner.Encode(text, target);
        writer?.EndValue();
    }

    public void Encode<T>(T? text, TextWriter target)
        where T : IEnumerator<char>
    {
        if (text is null)
        {
            return;
        }

        var writer = Begin(target);
        inner.Encode<T>(text, target);
        writer?.EndValue();
    }

    private static ValueRecordingWriter? Begin(TextWriter target)
    {
        if (target is ValueRecordingWriter writer)
        {
            writer.BeginValue();
            return writer;
        }

        // Another writer (a wrapper): the places are lost for the rendering that writes through it.
        RecordingScope.Current?.MarkLost();
        return null;
    }
}

/// <summary>The writer of the rendering in progress on this thread (for values written through a wrapper).</summary>
internal static class RecordingScope
{
    [ThreadStatic]
    private static ValueRecordingWriter? t_current;

    public static ValueRecordingWriter? Current
    {
        get => t_current;
        set => t_current = value;
    }
}
