using System.Buffers;
using System.Collections.Concurrent;
using MailMesh.Campaigns.Links;

namespace MailMesh.Campaigns.Templates;

/// <summary>Characters [<paramref name="Start"/>, <paramref name="End"/>) of the scanned HTML; <see cref="None"/> for an
/// absent attribute.</summary>
internal readonly record struct ValueSpan(int Start, int End)
{
    /// <summary>How many values lie before <see cref="Start"/> and before <see cref="End"/> (set in a plan's calls).</summary>
    public (int Start, int End) Before { get; init; }

    public static ValueSpan None { get; } = new(-1, -1);

    public bool IsNone => Start < 0;
}

/// <summary>The HTML pass planned once per shape of a template (docs/adr/campaigns-19-html-pass-per-shape.md): the
/// scanner reads the shape's skeleton (the rendered HTML with each escaped value replaced by one placeholder character)
/// and records what it would tell the text writer and the link sink; a recipient's HTML of the same shape replays the
/// record with its own values, decoding only what the scanner decodes (text with a character reference, hrefs, alts).
/// A plan is made only when every value lies in text or in a quoted attribute value, where an escaped value (no '&lt;',
/// '&gt;', quote, CR or NUL: checked for each recipient) cannot change what the scanner does, except through whitespace
/// (each text run holding a value must not be whitespace only) and character references (decoded for each recipient, a
/// failure sends the message to the full scan).</summary>
internal sealed partial class HtmlScanner
{
    private const char Placeholder = 'x';
    private static readonly SearchValues<char> UnsafeInValue = SearchValues.Create("<>\"'\r\0");

    /// <summary>Rewrites as <see cref="TryRewrite(string, Func{int, string, string}, string?, string, bool)"/> does, through
    /// the plan for <paramref name="marked"/>'s shape when there is one (made on the first message of a shape), else by
    /// scanning the whole HTML.</summary>
    public static TrackedHtml? TryRewrite(
        MarkedHtml marked, HtmlPlans plans, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText)
    {
        ArgumentNullException.ThrowIfNull(marked);
        ArgumentNullException.ThrowIfNull(plans);
        if (plans.Find(marked, withText, pixelUrl is not null) is { } plan && plan.Replay(marked, clickUrl, pixelUrl, trackingBase, withText) is { } tracked)
        {
            return tracked;
        }

        return TryRewrite(marked.Html, clickUrl, pixelUrl, trackingBase, withText);
    }

    /// <summary>What the scanner does with a skeleton, recorded (positions in the skeleton).</summary>
    internal sealed class PlanRecorder(bool withText, bool wantsPixel)
    {
        private bool _pixelDone;

        public bool WithText { get; } = withText;

        public bool WantsPixel => wantsPixel && !_pixelDone;

        public List<Op> Ops { get; } = [];

        public List<ValueSpan> TextRuns { get; } = [];

        public List<ValueSpan> QuotedValues { get; } = [];

        public List<int> DropChecks { get; } = [];

        public void DropCheck(int at) => DropChecks.Add(at);

        public void TextRun(int start, int end) => TextRuns.Add(new ValueSpan(start, end));

        public void QuotedValue(int start, int end) => QuotedValues.Add(new ValueSpan(start, end));

        public void Text(int start, int end, bool preformatted) => Ops.Add(new Op(OpKind.Text, null, new ValueSpan(start, end), ValueSpan.None, preformatted ? 1 : 0));

        public void Start(string name, ValueSpan alt, int ordered) => Ops.Add(new Op(OpKind.Start, name, alt, ValueSpan.None, ordered));

        public void End(string name, ValueSpan href) => Ops.Add(new Op(OpKind.End, name, href, ValueSpan.None, 0));

        public void Remove(int start, int end) => Ops.Add(new Op(OpKind.Remove, null, new ValueSpan(start, end), ValueSpan.None, 0));

        public void Link(ValueSpan href, int start, int end, bool optedOut) =>
            Ops.Add(new Op(OpKind.Link, null, href, new ValueSpan(start, end), optedOut ? 1 : 0));

        public void Pixel(int at)
        {
            if (WantsPixel)
            {
                _pixelDone = true;
                Ops.Add(new Op(OpKind.Pixel, null, new ValueSpan(at, at), ValueSpan.None, 0));
            }
        }
    }

    internal enum OpKind
    {
        Text,
        Start,
        End,
        Remove,
        Link,
        Pixel,
    }

    /// <summary>One recorded call: <paramref name="A"/> is the text run, alt, href value, removed or link attribute, or
    /// pixel place; <paramref name="B"/> the link attribute; <paramref name="N"/> the ordered index, preformatted or
    /// opted-out flag.</summary>
    internal readonly record struct Op(OpKind Kind, string? Name, ValueSpan A, ValueSpan B, int N);

    /// <summary>The recorded pass over one shape, or a shape the plan cannot serve (<see cref="Usable"/> false).</summary>
    internal sealed class HtmlPlan
    {
        private readonly string _skeleton;
        private readonly int[] _holes; // each value's placeholder position in the skeleton
        private readonly Op[] _ops;
        private readonly ValueSpan[] _checks; // text runs holding a value: must not be whitespace only

        private readonly bool _withText;
        private readonly bool _wantsPixel;

        // By op: the link whose href holds no value (the same text for every recipient of the shape), decoded and checked
        // on its first replay.
        private readonly FixedLink?[] _fixedLinks;

        private HtmlPlan(string skeleton, int[] holes, Op[] ops, ValueSpan[] checks, bool usable, bool withText, bool wantsPixel)
        {
            _fixedLinks = new FixedLink?[ops.Length];
            _withText = withText;
            _wantsPixel = wantsPixel;
            _skeleton = skeleton;
            _holes = holes;
            _ops = ops;
            _checks = checks;
            Usable = usable;
        }

        public bool Usable { get; }

        public static HtmlPlan Make(MarkedHtml marked, bool withText, bool wantsPixel)
        {
            var (skeleton, holes) = Skeleton(marked);
            var recorder = new PlanRecorder(withText, wantsPixel);
            var usable = !skeleton.Contains('\r', StringComparison.Ordinal) && new HtmlScanner(skeleton, null, null, recorder).Run();
            var checks = new List<ValueSpan>();
            if (usable)
            {
                foreach (var hole in holes)
                {
                    var run = recorder.TextRuns.FindIndex(r => hole >= r.Start && hole < r.End);
                    if (run >= 0)
                    {
                        if (!checks.Contains(recorder.TextRuns[run]))
                        {
                            checks.Add(recorder.TextRuns[run]);
                        }
                    }
                    else if (!recorder.QuotedValues.Exists(v => hole >= v.Start && hole < v.End))
                    {
                        usable = false;
                    }

                    usable &= !recorder.DropChecks.Contains(hole);
                }
            }

            var ops = usable ? recorder.Ops.Select(op => op with { A = Counted(op.A, holes), B = Counted(op.B, holes) }).ToArray() : [];
            return new HtmlPlan(skeleton, holes, ops, [.. checks.Select(c => Counted(c, holes))], usable, withText, wantsPixel);
        }

        /// <summary><paramref name="span"/> with the count of values before each end (placeholders before it).</summary>
        private static ValueSpan Counted(ValueSpan span, int[] holes) =>
            span.IsNone ? span : span with { Before = (Before(span.Start, holes), Before(span.End, holes)) };

        private static int Before(int at, int[] holes)
        {
            var before = Array.BinarySearch(holes, at);
            return before < 0 ? ~before : before;
        }

        /// <summary>The skeleton of <paramref name="marked"/> and its placeholders' positions.</summary>
        private static (string Skeleton, int[] Holes) Skeleton(MarkedHtml marked)
        {
            var html = marked.Html;
            var holes = new int[marked.Starts.Length];
            var skeleton = new System.Text.StringBuilder(html.Length);
            var at = 0;
            for (var i = 0; i < holes.Length; i++)
            {
                skeleton.Append(html, at, marked.Starts[i] - at);
                holes[i] = skeleton.Length;
                skeleton.Append(Placeholder);
                at = marked.Starts[i] + marked.Lengths[i];
            }

            skeleton.Append(html, at, html.Length - at);
            return (skeleton.ToString(), holes);
        }

        /// <summary>The shape key of <paramref name="marked"/> (whose values take <paramref name="valueChars"/>): its values'
        /// count and the lengths of the text between them (equal keys are confirmed by comparing the text itself,
        /// <see cref="Matches"/>).</summary>
        public static int Key(MarkedHtml marked, int valueChars, bool withText, bool wantsPixel)
        {
            var hash = new HashCode();
            hash.Add(withText);
            hash.Add(wantsPixel);
            hash.Add(marked.Html.Length - valueChars);
            var at = 0;
            for (var i = 0; i < marked.Starts.Length; i++)
            {
                hash.Add(marked.Starts[i] - at);
                at = marked.Starts[i] + marked.Lengths[i];
            }

            return hash.ToHashCode();
        }

        /// <summary>How many characters <paramref name="marked"/>'s values take.</summary>
        public static int ValueChars(MarkedHtml marked) => Sum(marked.Lengths);

        private static int Sum(int[] values)
        {
            var sum = 0;
            foreach (var value in values)
            {
                sum += value;
            }

            return sum;
        }

        /// <summary>Whether <paramref name="marked"/> has this plan's shape: the same text outside its values
        /// (<paramref name="valueChars"/> long, <see cref="ValueChars"/>).</summary>
        public bool Matches(MarkedHtml marked, int valueChars, bool withText, bool wantsPixel)
        {
            if (withText != _withText || wantsPixel != _wantsPixel || marked.Starts.Length != _holes.Length || marked.Html.Length - valueChars + _holes.Length != _skeleton.Length)
            {
                return false;
            }

            var html = marked.Html.AsSpan();
            var skeleton = _skeleton.AsSpan();
            int at = 0, from = 0;
            for (var i = 0; i < _holes.Length; i++)
            {
                var length = marked.Starts[i] - at;
                if (length != _holes[i] - from || !html.Slice(at, length).SequenceEqual(skeleton.Slice(from, length)))
                {
                    return false;
                }

                at = marked.Starts[i] + marked.Lengths[i];
                from = _holes[i] + 1;
            }

            return html[at..].SequenceEqual(skeleton[from..]);
        }

        /// <summary>The pass over <paramref name="marked"/> (of this shape) as the scanner would make it, or null when a
        /// value defeats the plan (the caller scans the whole HTML).</summary>
        public TrackedHtml? Replay(MarkedHtml marked, Func<int, string, string> clickUrl, string? pixelUrl, string trackingBase, bool withText)
        {
            var html = marked.Html;
            Span<int> shifts = _holes.Length < 64 ? stackalloc int[_holes.Length + 1] : new int[_holes.Length + 1];
            for (var i = 0; i < _holes.Length; i++)
            {
                if (html.AsSpan(marked.Starts[i], marked.Lengths[i]).IndexOfAny(UnsafeInValue) >= 0)
                {
                    return null;
                }

                shifts[i + 1] = shifts[i] + marked.Lengths[i] - 1;
            }

            foreach (var check in _checks)
            {
                if (Slice(html, check, shifts).IndexOfAnyExcept(" \t\n\f") < 0)
                {
                    return null;
                }
            }

            var text = withText ? new HtmlTextWriter() : null;
            var links = new LinkSink(html, clickUrl, pixelUrl, trackingBase);
            // A link's href, decoded for the link, again for the text part when its element ends.
            var (lastHrefAt, lastHref) = (-1, (string?)null);
            for (var i = 0; i < _ops.Length; i++)
            {
                var op = _ops[i];
                switch (op.Kind)
                {
                    case OpKind.Text:
                        var run = Slice(html, op.A, shifts);
                        if (!run.Contains('&'))
                        {
                            text?.Text(run, op.N != 0);
                        }
                        else if (Decode(run) is { } data)
                        {
                            text?.Text(data, op.N != 0);
                        }
                        else
                        {
                            return Abandon(links, text);
                        }

                        break;
                    case OpKind.Start:
                        string? alt = null;
                        if (!op.A.IsNone && (alt = Decode(Slice(html, op.A, shifts))) is null)
                        {
                            return Abandon(links, text);
                        }

                        text?.Start(op.Name!, alt, op.N);
                        break;
                    case OpKind.End:
                        string? href = null;
                        if (!op.A.IsNone && (href = op.A.Start == lastHrefAt ? lastHref : Decode(Slice(html, op.A, shifts))) is null)
                        {
                            return Abandon(links, text);
                        }

                        text?.End(op.Name!, href);
                        break;
                    case OpKind.Remove:
                        links.Remove(op.A.Start + shifts[op.A.Before.Start], op.A.End + shifts[op.A.Before.End]);
                        break;
                    case OpKind.Link:
                        var (start, end) = (op.B.Start + shifts[op.B.Before.Start], op.B.End + shifts[op.B.Before.End]);
                        if (op.A.Before.Start == op.A.Before.End)
                        {
                            // No value inside the href: its target and whether it is tracked are the shape's own.
                            var known = _fixedLinks[i];
                            if (known is null || !string.Equals(known.TrackingBase, trackingBase, StringComparison.Ordinal))
                            {
                                if (Decode(Slice(html, op.A, shifts)) is not { } decoded)
                                {
                                    return Abandon(links, text);
                                }

                                var trimmed = decoded.Trim();
                                _fixedLinks[i] = known = new FixedLink(decoded, trimmed, trackingBase, LinkRewriter.IsTrackable(trimmed, trackingBase));
                            }

                            (lastHrefAt, lastHref) = (op.A.Start, known.Decoded);
                            links.Link(known.Target, start, end, op.N != 0, known.Trackable);
                            break;
                        }

                        if (Decode(Slice(html, op.A, shifts)) is not { } target)
                        {
                            return Abandon(links, text);
                        }

                        (lastHrefAt, lastHref) = (op.A.Start, target);

                        links.Link(target.Trim(), start, end, op.N != 0);
                        break;
                    case OpKind.Pixel:
                        links.Pixel(op.A.Start + shifts[op.A.Before.Start]);
                        break;
                }
            }

            return new TrackedHtml(links.Finish(), links.Links, links.OptedOut, text?.Finish());
        }

        /// <summary>A link of the shape whose href holds no value: the href decoded, its target (trimmed), and whether
        /// it is tracked under <paramref name="TrackingBase"/>.</summary>
        private sealed record FixedLink(string Decoded, string Target, string TrackingBase, bool Trackable);

        private static TrackedHtml? Abandon(LinkSink links, HtmlTextWriter? text)
        {
            // Hands the reused buffers back.
            links.Finish();
            text?.Finish();
            return null;
        }

        /// <summary>The recipient's characters of skeleton span <paramref name="span"/>: each end moved by the lengths of
        /// the values before it, less their placeholders.</summary>
        private static ReadOnlySpan<char> Slice(string html, ValueSpan span, ReadOnlySpan<int> shifts)
        {
            var start = span.Start + shifts[span.Before.Start];
            return html.AsSpan(start, span.End + shifts[span.Before.End] - start);
        }
    }

    /// <summary>The plans of one template's shapes (at most <see cref="MaxShapes"/> and <see cref="MaxPlannedChars"/> of
    /// skeletons; a shape beyond them is scanned whole). Thread-safe.</summary>
    internal sealed class HtmlPlans
    {
        /// <summary>Most shapes planned per template.</summary>
        public const int MaxShapes = 64;

        /// <summary>Most characters of skeletons kept per template (a long template with many shapes stops planning).</summary>
        public const int MaxPlannedChars = 1_000_000;

        private readonly Lock _planning = new();
        private int _plannedChars;

        private readonly ConcurrentDictionary<int, HtmlPlan> _plans = new();

        /// <summary>How many shapes are planned (usable or not).</summary>
        public int Count => _plans.Count;

        /// <summary>The usable plan for <paramref name="marked"/>'s shape, made now if it is new; null when the shape
        /// cannot be planned or the plans are full.</summary>
        public HtmlPlan? Find(MarkedHtml marked, bool withText, bool wantsPixel)
        {
            var valueChars = HtmlPlan.ValueChars(marked);
            var key = HtmlPlan.Key(marked, valueChars, withText, wantsPixel);
            if (!_plans.TryGetValue(key, out var plan))
            {
                // A new shape is planned once, under the lock: workers meeting it together wait for the one plan (and its
                // characters are counted once) instead of each scanning it.
                lock (_planning)
                {
                    if (!_plans.TryGetValue(key, out plan))
                    {
                        if (_plans.Count >= MaxShapes || _plannedChars + marked.Html.Length > MaxPlannedChars)
                        {
                            return null;
                        }

                        plan = HtmlPlan.Make(marked, withText, wantsPixel);
                        _plannedChars += marked.Html.Length;
                        _plans[key] = plan;
                    }
                }
            }

            // A key shared by two shapes serves the first one; the other is scanned whole.
            return plan.Usable && plan.Matches(marked, valueChars, withText, wantsPixel) ? plan : null;
        }
    }
}
