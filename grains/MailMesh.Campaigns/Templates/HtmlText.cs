using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace MailMesh.Campaigns.Templates;

/// <summary>The text part made from an HTML part: block elements become paragraphs, list items "- " lines, links
/// "text (url)", images their alt text; head, scripts and styles are dropped; whitespace collapses as a browser would
/// show it (except in <c>pre</c>). Lines end with LF.</summary>
public static class HtmlText
{
    private static readonly HtmlParser Parser = new();

    /// <summary>The text of <paramref name="html"/> (any HTML; malformed markup is read as a browser would). Well-formed
    /// HTML is read in one pass without building a document (<see cref="HtmlScanner"/>); anything else is parsed with
    /// AngleSharp; both give the same text.</summary>
    public static string FromHtml(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        return HtmlScanner.TryText(html) ?? FromParsedHtml(html);
    }

    /// <summary>The text of <paramref name="html"/> through a full AngleSharp parse.</summary>
    internal static string FromParsedHtml(string html)
    {
        using var document = Parser.ParseDocument(html);
        return FromDocument(document);
    }

    /// <summary>The text of a parsed document (so a caller that parses the HTML anyway does it once).</summary>
    public static string FromDocument(AngleSharp.Dom.IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var writer = new HtmlTextWriter();
        Walk(writer, document.Body ?? (INode)document, preformatted: false);
        return writer.Finish();
    }

    private static void Walk(HtmlTextWriter writer, INode node, bool preformatted)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText text:
                    writer.Text(text.Data, preformatted);
                    break;
                case IElement element:
                    Element(writer, element, preformatted);
                    break;
                default:
                    break;
            }
        }
    }

    private static void Element(HtmlTextWriter writer, IElement element, bool preformatted)
    {
        var name = element.LocalName;
        if (HtmlTextWriter.IsSkipped(name))
        {
            return;
        }

        var href = name == "a" ? element.GetAttribute("href") : null;
        var ordered = name == "li" && element.ParentElement?.LocalName == "ol";
        writer.Start(name, name == "img" ? element.GetAttribute("alt") : null, ordered ? Index(element) : 0);
        if (HtmlTextWriter.IsEmpty(name))
        {
            return;
        }

        Walk(writer, element, preformatted || name == "pre");
        writer.End(name, href);
    }

    private static int Index(IElement item)
    {
        var index = 1;
        for (var sibling = item.PreviousElementSibling; sibling is not null; sibling = sibling.PreviousElementSibling)
        {
            index += sibling.LocalName == "li" ? 1 : 0;
        }

        return index;
    }
}
