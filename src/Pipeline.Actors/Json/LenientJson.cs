using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pipeline.Actors.Json;

/// <summary>
/// Reads JSON strings that System.Text.Json refuses to turn into a .NET string: a <c>\ud800</c> escape
/// without its partner is valid JSON text, but <see cref="JsonElement.GetString"/> throws
/// ("Cannot read incomplete UTF-16 JSON text") and once took a whole import down. Such a string comes
/// back with the lone surrogate in it, for the input guard to repair (U+FFFD) and count.
/// </summary>
internal static class LenientJson
{
    /// <summary><see cref="JsonElement.GetString"/>, except that an unpaired <c>\uXXXX</c> surrogate escape is kept as that char instead of throwing.</summary>
    public static string? GetStringLenient(this JsonElement element)
    {
        if (element.ValueKind is not JsonValueKind.String)
        {
            return element.ValueKind is JsonValueKind.Null ? null : throw new InvalidOperationException($"Expected a JSON string, found {element.ValueKind}.");
        }

        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return Unescape(element.GetRawText());
        }
    }

    /// <summary>The value of a JSON string token as written (quotes included), escapes resolved one UTF-16 unit at a time.</summary>
    internal static string Unescape(string token)
    {
        var body = token.AsSpan(1, token.Length - 2);
        var text = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            // The document was validated when parsed, so every escape is complete and well formed.
            var kind = body[++i];
            switch (kind)
            {
                case 'u':
                    text.Append((char)ushort.Parse(body.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case 'b': text.Append('\b'); break;
                case 'f': text.Append('\f'); break;
                case 'n': text.Append('\n'); break;
                case 'r': text.Append('\r'); break;
                case 't': text.Append('\t'); break;
                default: text.Append(kind); break; // \" \\ \/
            }
        }

        return text.ToString();
    }
}
