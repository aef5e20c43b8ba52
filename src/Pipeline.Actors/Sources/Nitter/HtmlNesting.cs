using AngleSharp.Dom;

namespace Pipeline.Actors.Sources.Nitter;

/// <summary>
/// How deep a page's elements nest, found before and after AngleSharp builds the document.
/// <para>Before: AngleSharp's tree builder walks its stack of open elements for many tags, so a page of
/// 100,000 nested elements costs quadratic time, and the document it builds is deep enough for any
/// recursive walk (selector matching, serialisation) to overflow the stack, which ends the process.
/// <see cref="Estimate"/> is one linear pass over the markup, following the HTML tokenizer closely enough
/// (comments, quoted attributes, raw-text elements, void and self-closing elements, end tags that close
/// only within their scope) that markup cannot hide nesting from it; where it must guess it guesses
/// deeper, never shallower. Its stack never holds more than the bound.</para>
/// <para>After: <see cref="Depth"/> measures the built tree exactly, without recursion.</para>
/// </summary>
internal static class HtmlNesting
{
    public const string Setting = "pipeline.limits.max-nesting-depth";

    private static readonly HashSet<string> Void = Names(
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen",
        "link", "meta", "param", "source", "track", "wbr");

    // Their text is not markup (outside SVG and MathML), up to their own end tag.
    private static readonly HashSet<string> RawText = Names("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes");

    // An end tag closes an element only if no element of these stands between them ("has an element in scope").
    private static readonly HashSet<string> ScopeBoundaries = Names(
        "applet", "caption", "html", "table", "td", "th", "marquee", "object", "template",
        "mi", "mo", "mn", "ms", "mtext", "annotation-xml", "foreignobject", "desc");

    // Their end tag runs the adoption agency, which may keep what they contain open: counted closed only when innermost.
    private static readonly HashSet<string> Formatting = Names(
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u");

    // Elements whose end tag is optional: a start tag closes the open elements it implies the end of.
    private static readonly Dictionary<string, HashSet<string>> ImpliedEnds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["li"] = Names("li"),
        ["dt"] = Names("dt", "dd"),
        ["dd"] = Names("dt", "dd"),
        ["option"] = Names("option"),
        ["optgroup"] = Names("option", "optgroup"),
        ["td"] = Names("td", "th"),
        ["th"] = Names("td", "th"),
        ["tr"] = Names("td", "th", "tr"),
        ["thead"] = Names("td", "th", "tr", "thead", "tbody", "tfoot"),
        ["tbody"] = Names("td", "th", "tr", "thead", "tbody", "tfoot"),
        ["tfoot"] = Names("td", "th", "tr", "thead", "tbody", "tfoot"),
        ["rb"] = Names("rb", "rt", "rp", "rtc"),
        ["rt"] = Names("rb", "rt", "rp"),
        ["rp"] = Names("rb", "rt", "rp"),
    };

    // Block elements that close an open <p>.
    private static readonly HashSet<string> ClosesParagraph = Names(
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure", "footer",
        "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "menu", "nav", "ol", "p", "pre", "section",
        "table", "ul");

    /// <summary>
    /// Where the markup first nests deeper than <paramref name="maxDepth"/> elements (a character offset), or
    /// null when it never does.
    /// </summary>
    public static int? Estimate(string html, int maxDepth)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        var open = new Stack<string>(Math.Min(maxDepth + 1, 256));
        var foreign = 0;
        var i = 0;
        while (i < html.Length)
        {
            var lt = html.IndexOf('<', i);
            if (lt < 0 || lt + 1 >= html.Length)
            {
                return null;
            }

            var next = html[lt + 1];
            if (next == '!')
            {
                i = SkipDeclaration(html, lt, foreign > 0);
            }
            else if (next == '?')
            {
                i = After(html, '>', lt + 2);
            }
            else if (next == '/')
            {
                if (lt + 2 < html.Length && char.IsAsciiLetter(html[lt + 2]))
                {
                    var name = TagName(html, lt + 2, out var end);
                    i = SkipAttributes(html, end, out _);
                    Close(open, name, ref foreign);
                }
                else
                {
                    // "</>" is dropped, any other "</" opens a bogus comment up to the next '>'.
                    i = After(html, '>', lt + 2);
                }
            }
            else if (char.IsAsciiLetter(next))
            {
                var name = TagName(html, lt + 1, out var end);
                i = SkipAttributes(html, end, out var selfClosing);
                if (Void.Contains(name) || (selfClosing && foreign > 0))
                {
                    continue;
                }

                if (foreign == 0 && name.Equals("plaintext", StringComparison.OrdinalIgnoreCase))
                {
                    // Everything after it is text.
                    return open.Count >= maxDepth ? lt : null;
                }

                if (foreign == 0 && RawText.Contains(name))
                {
                    i = SkipRawText(html, i, name);
                    if (open.Count >= maxDepth)
                    {
                        return lt;
                    }

                    continue;
                }

                CloseImplied(open, name);
                if (open.Count >= maxDepth)
                {
                    return lt;
                }

                open.Push(name);
                if (IsForeignRoot(name))
                {
                    foreign++;
                }
            }
            else
            {
                i = lt + 1;
            }
        }

        return null;
    }

    /// <summary>How many elements deep the document's deepest element is (the root <c>html</c> is 1), walked without recursion.</summary>
    public static int Depth(IDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var deepest = 0;
        var pending = new Stack<(IElement Element, int Depth)>();
        if (document.DocumentElement is { } root)
        {
            pending.Push((root, 1));
        }

        while (pending.Count > 0)
        {
            var (element, depth) = pending.Pop();
            deepest = Math.Max(deepest, depth);
            for (var child = element.FirstElementChild; child is not null; child = child.NextElementSibling)
            {
                pending.Push((child, depth + 1));
            }
        }

        return deepest;
    }

    private static void Close(Stack<string> open, string name, ref int foreign)
    {
        if (Formatting.Contains(name))
        {
            if (open.TryPeek(out var top) && top.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                open.Pop();
            }

            return;
        }

        // Only an element in scope is closed; an end tag with none is ignored, as HTML ignores it.
        var position = 0;
        var found = false;
        foreach (var element in open)
        {
            position++;
            if (element.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                found = true;
                break;
            }

            if (ScopeBoundaries.Contains(element) || IsForeignRoot(element))
            {
                break;
            }
        }

        if (!found)
        {
            return;
        }

        for (var k = 0; k < position; k++)
        {
            if (IsForeignRoot(open.Pop()))
            {
                foreign--;
            }
        }
    }

    private static void CloseImplied(Stack<string> open, string name)
    {
        if (ImpliedEnds.TryGetValue(name, out var ends))
        {
            while (open.TryPeek(out var top) && ends.Contains(top))
            {
                open.Pop();
            }
        }

        if (ClosesParagraph.Contains(name) && open.TryPeek(out var current) && current.Equals("p", StringComparison.OrdinalIgnoreCase))
        {
            open.Pop();
        }
    }

    private static bool IsForeignRoot(string name) =>
        name.Equals("svg", StringComparison.OrdinalIgnoreCase) || name.Equals("math", StringComparison.OrdinalIgnoreCase);

    /// <summary>The tag name from <paramref name="start"/> up to whitespace, '/' or '>'.</summary>
    private static string TagName(string html, int start, out int end)
    {
        end = start;
        while (end < html.Length && !IsSpace(html[end]) && html[end] is not '/' and not '>')
        {
            end++;
        }

        return html[start..end];
    }

    /// <summary>
    /// Past the attributes to just after the tag's '>' (the whole rest when it never ends). Quotes start a value
    /// only right after '=': <c>title=x"y</c> is an unquoted value, as HTML reads it, not the start of a string.
    /// </summary>
    private static int SkipAttributes(string html, int i, out bool selfClosing)
    {
        selfClosing = false;
        while (i < html.Length)
        {
            var c = html[i];
            if (c == '>')
            {
                return i + 1;
            }

            if (IsSpace(c))
            {
                i++;
                continue;
            }

            if (c == '/')
            {
                selfClosing = i + 1 < html.Length && html[i + 1] == '>';
                i++;
                continue;
            }

            selfClosing = false;
            // The attribute's name (its first character may be anything, even '=').
            i++;
            while (i < html.Length && !IsSpace(html[i]) && html[i] is not '/' and not '>' and not '=')
            {
                i++;
            }

            while (i < html.Length && IsSpace(html[i]))
            {
                i++;
            }

            if (i >= html.Length || html[i] != '=')
            {
                continue;
            }

            i++;
            while (i < html.Length && IsSpace(html[i]))
            {
                i++;
            }

            if (i < html.Length && html[i] is '"' or '\'')
            {
                var close = html.IndexOf(html[i], i + 1);
                i = close < 0 ? html.Length : close + 1;
            }
            else
            {
                while (i < html.Length && !IsSpace(html[i]) && html[i] != '>')
                {
                    i++;
                }
            }
        }

        return html.Length;
    }

    /// <summary>Comments (ended by <c>--&gt;</c>, <c>--!&gt;</c>, or at once by <c>&lt;!--&gt;</c>), CDATA in SVG/MathML, doctypes.</summary>
    private static int SkipDeclaration(string html, int lt, bool inForeign)
    {
        var rest = html.AsSpan(lt);
        if (rest.StartsWith("<!--"))
        {
            if (rest[4..].StartsWith(">"))
            {
                return lt + 5;
            }

            if (rest[4..].StartsWith("->"))
            {
                return lt + 6;
            }

            // One pass to the first "--" followed by '>' or "!>": looking for each ending from the start of every
            // comment would read a page of many comments once per comment.
            for (var from = lt + 4; ;)
            {
                var dashes = html.IndexOf("--", from, StringComparison.Ordinal);
                if (dashes < 0)
                {
                    return html.Length;
                }

                var after = html.AsSpan(dashes + 2);
                if (after.StartsWith(">"))
                {
                    return dashes + 3;
                }

                if (after.StartsWith("!>"))
                {
                    return dashes + 4;
                }

                from = dashes + 1;
            }
        }

        if (inForeign && rest.StartsWith("<![CDATA["))
        {
            var end = html.IndexOf("]]>", lt + 9, StringComparison.Ordinal);
            return end < 0 ? html.Length : end + 3;
        }

        return After(html, '>', lt + 2);
    }

    /// <summary>Past the end tag of a raw-text element: <c>&lt;/name</c> followed by whitespace, '/' or '>', in any case.</summary>
    private static int SkipRawText(string html, int i, string name)
    {
        while (true)
        {
            var close = html.IndexOf("</", i, StringComparison.Ordinal);
            if (close < 0)
            {
                return html.Length;
            }

            var after = close + 2 + name.Length;
            if (after <= html.Length && html.AsSpan(close + 2, name.Length).Equals(name, StringComparison.OrdinalIgnoreCase)
                && (after == html.Length || IsSpace(html[after]) || html[after] is '/' or '>'))
            {
                return SkipAttributes(html, after, out _);
            }

            i = close + 2;
        }
    }

    private static int After(string html, char c, int start)
    {
        var at = html.IndexOf(c, Math.Min(start, html.Length));
        return at < 0 ? html.Length : at + 1;
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\f' or '\r';

    private static HashSet<string> Names(params string[] names) => new(names, StringComparer.OrdinalIgnoreCase);
}
