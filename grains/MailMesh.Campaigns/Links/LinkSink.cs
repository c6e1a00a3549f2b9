using System.Net;
using System.Text;

namespace MailMesh.Campaigns.Links;

/// <summary>Edits an HTML part in place as <see cref="Templates.HtmlScanner"/> reads it: tracked hrefs replaced by click
/// URLs (numbered by first appearance of each target, as <see cref="LinkRewriter.RewriteHtml"/> does), opt-out markers
/// removed, the open pixel inserted where the body ends. Everything else is copied as it was.</summary>
internal sealed class LinkSink
{
    private readonly string _html;
    private readonly Func<int, string, string> _clickUrl;
    private readonly string? _pixelUrl;
    private readonly string _trackingBase;
    private readonly StringBuilder _output;

    // One output builder per thread, reused by the next message once the HTML is taken out of it (Finish).
    [ThreadStatic]
    private static StringBuilder? t_output;
    private const int MaxRetainedCapacity = 256 * 1024;
    private int _copied;
    private bool _pixelDone;

    /// <summary>A sink over <paramref name="html"/> (the text the scanner reads, offsets into it).</summary>
    public LinkSink(string html, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase)
    {
        _html = html;
        _clickUrl = clickUrl;
        _pixelUrl = pixelUrl;
        _trackingBase = trackingBase;
        _output = t_output ?? new StringBuilder(html.Length + 1024);
        t_output = null;
    }

    /// <summary>Tracked targets by link index.</summary>
    public Dictionary<string, int> Links { get; } = new(StringComparer.Ordinal);

    /// <summary>Targets of opted-out links.</summary>
    public HashSet<string> OptedOut { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether a pixel is still to be inserted.</summary>
    public bool WantsPixel => _pixelUrl is not null && !_pixelDone;

    /// <summary>Removes the characters [<paramref name="start"/>, <paramref name="end"/>) (an attribute).</summary>
    public void Remove(int start, int end) => Edit(start, end, null);

    /// <summary>A link to <paramref name="href"/> whose href attribute spans [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public void Link(string href, int start, int end, bool optedOut) => Link(href, start, end, optedOut, trackable: null);

    /// <summary>A link as <see cref="Link(string, int, int, bool)"/>, with <paramref name="trackable"/> when the caller
    /// knows what <see cref="LinkRewriter.IsTrackable"/> says of <paramref name="href"/> under this sink's tracking base.</summary>
    public void Link(string href, int start, int end, bool optedOut, bool? trackable)
    {
        if (optedOut)
        {
            OptedOut.Add(href);
            return;
        }

        if (!(trackable ?? LinkRewriter.IsTrackable(href, _trackingBase)))
        {
            return;
        }

        if (!Links.TryGetValue(href, out var index))
        {
            index = Links.Count;
            Links[href] = index;
        }

        Edit(start, end, "href=\"");
        AppendEscaped(_clickUrl(index, href));
        _output.Append('"');
    }

    /// <summary>Inserts the open pixel at <paramref name="at"/> (the end of the body), once.</summary>
    public void Pixel(int at)
    {
        if (!WantsPixel)
        {
            return;
        }

        _pixelDone = true;
        Edit(at, at, "<img src=\"");
        AppendEscaped(_pixelUrl!);
        _output.Append("\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;border:0;width:1px;height:1px\">");
    }

    /// <summary>The edited HTML.</summary>
    public string Finish()
    {
        var html = _html;
        if (_copied != 0 || _output.Length != 0)
        {
            _output.Append(_html, _copied, _html.Length - _copied);
            _copied = _html.Length;
            html = _output.ToString();
        }

        if (_output.Capacity <= MaxRetainedCapacity)
        {
            _output.Clear();
            t_output = _output;
        }

        return html;
    }

    private void AppendEscaped(string value)
    {
        if (value.AsSpan().IndexOfAny('&', '"') < 0)
        {
            _output.Append(value);
        }
        else
        {
            _output.Append(WebUtility.HtmlEncode(value));
        }
    }

    private void Edit(int start, int end, string? replacement)
    {
        _output.Append(_html, _copied, start - _copied);
        _output.Append(replacement);
        _copied = end;
    }
}
