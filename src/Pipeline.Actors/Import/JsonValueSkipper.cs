namespace Pipeline.Actors.Import;

/// <summary>
/// Finds where one JSON value ends, fed a piece at a time, without holding or validating it: only
/// strings (and their escapes) and the nesting of brackets are followed. Lets the array reader step
/// over an element it will not parse (too large, too deep, or broken inside) and go on with the next,
/// and measures how deep a value is nested (without recursion), for error messages.
/// </summary>
internal struct JsonValueSkipper
{
    private int _depth;
    private bool _inString;
    private bool _escaped;
    private bool _inScalar;

    /// <summary>Deepest nesting of objects and arrays seen so far (a top-level object is 1).</summary>
    public int MaxDepth { get; private set; }

    /// <summary>Feeds the next bytes of the value (UTF-8: every byte that matters is ASCII).</summary>
    /// <returns>How many bytes of <paramref name="data"/> the value still takes when it ends in them; -1 when it goes on.</returns>
    public int Feed(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (Step((char)data[i]) is var end and >= 0)
            {
                return i + end;
            }
        }

        return -1;
    }

    /// <summary>As <see cref="Feed(ReadOnlySpan{byte})"/>, for text already decoded.</summary>
    public int Feed(ReadOnlySpan<char> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (Step(data[i]) is var end and >= 0)
            {
                return i + end;
            }
        }

        return -1;
    }

    /// <summary>The nesting depth of <paramref name="json"/> (up to where its first value ends).</summary>
    public static int DepthOf(ReadOnlySpan<char> json)
    {
        var skipper = new JsonValueSkipper();
        skipper.Feed(json);
        return skipper.MaxDepth;
    }

    // 1: the value ends with this char; 0: it ended just before it; -1: it goes on.
    private int Step(char c)
    {
        if (_inString)
        {
            if (_escaped)
            {
                _escaped = false;
            }
            else if (c == '\\')
            {
                _escaped = true;
            }
            else if (c == '"')
            {
                _inString = false;
                if (_depth == 0)
                {
                    return 1;
                }
            }

            return -1;
        }

        switch (c)
        {
            case '"':
                _inString = true;
                return -1;
            case '{' or '[':
                _depth++;
                MaxDepth = Math.Max(MaxDepth, _depth);
                return -1;
            case '}' or ']':
                if (_depth == 0)
                {
                    // The closing bracket of the array around a scalar element.
                    return 0;
                }

                _depth--;
                return _depth == 0 ? 1 : -1;
            case ',' or ' ' or '\t' or '\r' or '\n' when _depth == 0:
                return _inScalar ? 0 : -1;
            default:
                if (_depth == 0)
                {
                    _inScalar = true;
                }

                return -1;
        }
    }
}
