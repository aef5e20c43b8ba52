using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Pipeline.Models.Sentiment;

/// <summary>How the built-in scorer turns a tweet into features; stored with the model so training and scoring agree.</summary>
public sealed record SentimentFeaturizerOptions
{
    /// <summary>Word and character n-grams are hashed into 2^HashBits buckets (18: 262k buckets, a model.zip of a few MB).</summary>
    public int HashBits { get; init; } = 18;

    /// <summary>1 = unigrams, 2 = unigrams and bigrams, 3 = up to trigrams of tokens.</summary>
    public int WordNgramLength { get; init; } = 2;

    /// <summary>Character n-grams inside each whitespace-separated word (padded with a space each side), sklearn's char_wb.</summary>
    public int CharNgramMin { get; init; } = 2;

    public int CharNgramMax { get; init; } = 5;

    /// <summary>Multiplies the L2-normalised character block (the word block has weight 1).</summary>
    public float CharWeight { get; init; } = 1f;

    /// <summary>Words after a negation (not, never, …n't) until the next punctuation become distinct features (<c>good_NEG</c>).</summary>
    public bool MarkNegation { get; init; } = true;

    /// <summary>VADER-style lexicon sums and counts, emoji polarity, punctuation/caps/elongation counts as dense features.</summary>
    public bool UseLexicon { get; init; } = true;

    /// <summary>
    /// Nigerian Pidgin: its negations ("no dey", "neva") in the negation marking, its intensifiers in the
    /// VADER rules, and dense features of Pidgin-ness, complaint cues and the learned <see cref="PidginLexicon"/>.
    /// </summary>
    public bool Pidgin { get; init; } = true;
}

/// <summary>The kinds of token <see cref="SentimentFeaturizer.Tokenize"/> produces.</summary>
public enum SentimentTokenKind
{
    Word,
    Emoticon,
    Emoji,
    Punctuation,
}

public readonly record struct SentimentToken(string Text, SentimentTokenKind Kind, bool Negated, bool AllCaps, bool Elongated);

/// <summary>
/// Tweet → sparse feature vector: dense lexicon/style features first, then hashed word n-grams
/// (negation-marked, elongations collapsed, emoji and emoticons as tokens) and hashed character
/// n-grams, each block log-count weighted and L2-normalised. Immutable and thread-safe; the scratch
/// buffers are per call (see <see cref="Scratch"/>).
/// </summary>
public sealed class SentimentFeaturizer
{
    /// <summary>Dense features before the hashed block: see <see cref="AddLexiconFeatures"/> (0..13) and <see cref="AddPidginFeatures"/> (14..20).</summary>
    public const int DenseCount = 21;

    /// <summary>Index of the first of the <see cref="PidginLexiconFeatureCount"/> features computed from the learned Pidgin lexicon.</summary>
    public const int PidginLexiconFeatureStart = 17;

    public const int PidginLexiconFeatureCount = 4;

    private const int PidginFeatureStart = 14;

    private const ulong WordSeed = 0x5EED_0001;
    private const ulong NegatedSeed = 0x5EED_0002;
    private const ulong BigramSeed = 0x5EED_0003;
    private const ulong CharSeed = 0x5EED_0100;

    private readonly SentimentLexicon _lexicon;
    private readonly int _mask;

    /// <param name="pidginLexicon">The learned Pidgin lexicon (none: its features are 0).</param>
    public SentimentFeaturizer(SentimentFeaturizerOptions options, SentimentLexicon? lexicon = null, PidginLexicon? pidginLexicon = null)
    {
        if (options.HashBits is < 10 or > 24)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"HashBits must be 10..24, not {options.HashBits}.");
        }

        if (options.WordNgramLength is < 1 or > 3 || options.CharNgramMin < 1 || options.CharNgramMax > 8)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "WordNgramLength must be 1..3 and character n-grams 1..8 long.");
        }

        Options = options;
        _lexicon = lexicon ?? SentimentLexicon.Default;
        PidginLexicon = pidginLexicon ?? PidginLexicon.Empty;
        _mask = (1 << options.HashBits) - 1;
        Dimension = DenseCount + (1 << options.HashBits);
    }

    public SentimentFeaturizerOptions Options { get; }

    public PidginLexicon PidginLexicon { get; }

    /// <summary>Length of the feature vector.</summary>
    public int Dimension { get; }

    /// <summary>Reusable buffers for one thread; <see cref="Featurize"/> overwrites them on each call.</summary>
    public sealed class Scratch
    {
        internal readonly List<SentimentToken> Tokens = new(64);
        internal readonly List<int> Word = new(256);
        internal readonly List<int> Char = new(1024);
        internal readonly StringBuilder Builder = new(64);
        internal char[] Padded = new char[256];
        internal int[] Indices = new int[2048];
        internal float[] Values = new float[2048];
        internal int[] MergeIndices = new int[2048];
        internal float[] MergeValues = new float[2048];
        internal int[] SortBuffer = new int[2048];

        /// <summary>Non-zero features of the last call, sorted by index.</summary>
        public int Count { get; internal set; }

        /// <summary>How many <see cref="PidginCues.Markers"/> the last text had (0 when Pidgin features are off): the scorer's Pidgin-ness signal.</summary>
        public int PidginMarkers { get; internal set; }

        /// <summary>The tokens of the last call.</summary>
        public IReadOnlyList<SentimentToken> LastTokens => Tokens;

        public ReadOnlySpan<int> IndicesSpan => Indices.AsSpan(0, Count);

        public ReadOnlySpan<float> ValuesSpan => Values.AsSpan(0, Count);
    }

    /// <summary>Fills <paramref name="scratch"/> with the features of <paramref name="text"/>.</summary>
    public void Featurize(string text, Scratch scratch)
    {
        scratch.Count = 0;
        var tokens = scratch.Tokens;
        Tokenize(text, tokens, scratch.Builder);
        EnsureCapacity(scratch, DenseCount + (tokens.Count * Options.WordNgramLength) + (text.Length * (Options.CharNgramMax - Options.CharNgramMin + 1)) + 64);

        if (Options.UseLexicon)
        {
            AddLexiconFeatures(text, tokens, scratch);
        }

        scratch.PidginMarkers = 0;
        if (Options.Pidgin)
        {
            AddPidginFeatures(tokens, scratch);
        }

        scratch.Word.Clear();
        ulong previous = 0, beforePrevious = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            var hash = Hash(token.Text, token.Negated && Options.MarkNegation ? NegatedSeed : WordSeed);
            scratch.Word.Add(Bucket(hash));
            if (Options.WordNgramLength >= 2 && i >= 1)
            {
                scratch.Word.Add(Bucket(Mix(previous, hash, BigramSeed)));
            }

            if (Options.WordNgramLength >= 3 && i >= 2)
            {
                scratch.Word.Add(Bucket(Mix(Mix(beforePrevious, previous, BigramSeed), hash, BigramSeed + 1)));
            }

            beforePrevious = previous;
            previous = hash;
        }

        var wordStart = scratch.Count;
        AppendBlock(scratch, scratch.Word, 1f);
        var charStart = scratch.Count;

        if (Options.CharWeight > 0 && Options.CharNgramMax >= Options.CharNgramMin)
        {
            AddCharNgrams(text, scratch);
            AppendBlock(scratch, scratch.Char, Options.CharWeight);
        }

        MergeBlocks(scratch, wordStart, charStart);
    }

    /// <summary>
    /// Tokens as the model sees them: lower-case words (hashtags keep their <c>#</c>, letters repeated
    /// 3+ times collapsed to 2), emoticons whole, each emoji alone, punctuation runs collapsed; words
    /// after a negation are marked until the next clause punctuation.
    /// </summary>
    public IReadOnlyList<SentimentToken> Tokenize(string text)
    {
        var tokens = new List<SentimentToken>();
        Tokenize(text, tokens, new StringBuilder());
        return tokens;
    }

    /// <summary>The next run of non-space characters from <paramref name="position"/>; false at the end of the text.</summary>
    private static bool NextChunk(string text, ref int position, out int start, out int length)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        start = position;
        while (position < text.Length && !char.IsWhiteSpace(text[position]))
        {
            position++;
        }

        length = position - start;
        return length > 0;
    }

    private void Tokenize(string text, List<SentimentToken> tokens, StringBuilder builder)
    {
        tokens.Clear();
        var negated = false;
        var cueBefore = false;
        var position = 0;
        while (NextChunk(text, ref position, out var start, out var length))
        {
            var chunk = text.AsSpan(start, length);
            if (chunk.Length > 1 && IsEmoticon(chunk, out var emoticon))
            {
                tokens.Add(new SentimentToken(emoticon, SentimentTokenKind.Emoticon, false, false, false));
                continue;
            }

            SplitChunk(chunk, tokens, builder, ref negated, ref cueBefore);
        }
    }

    private bool IsEmoticon(ReadOnlySpan<char> chunk, out string emoticon)
    {
        // Emoticons are short; the lookup needs a string, so only try plausible chunks.
        if ((chunk.Length <= 6 && !char.IsLetterOrDigit(chunk[0])) || (chunk.Length <= 4 && !char.IsLetter(chunk[^1]) && chunk[0] is 'x' or 'X' or '8'))
        {
            var candidate = chunk.ToString();
            if (_lexicon.Emoticons.Contains(candidate))
            {
                emoticon = candidate;
                return true;
            }

            var lower = candidate.ToLowerInvariant();
            if (_lexicon.Emoticons.Contains(lower))
            {
                emoticon = lower;
                return true;
            }
        }

        emoticon = "";
        return false;
    }

    /// <param name="cueBefore">The previous token was a negation cue: a Pidgin auxiliary right after it ("no dey") joins the cue.</param>
    private void SplitChunk(ReadOnlySpan<char> chunk, List<SentimentToken> tokens, StringBuilder builder, ref bool negated, ref bool cueBefore)
    {
        var i = 0;
        while (i < chunk.Length)
        {
            var c = chunk[i];
            if (IsWordChar(c) || (c == '#' && i + 1 < chunk.Length && char.IsLetterOrDigit(chunk[i + 1])))
            {
                builder.Clear();
                var upper = 0;
                var letters = 0;
                var elongated = false;
                var j = i;
                if (c == '#')
                {
                    builder.Append('#');
                    j++;
                }

                while (j < chunk.Length && IsWordChar(chunk[j]))
                {
                    var ch = chunk[j] == '\u2019' ? '\'' : chunk[j];
                    if (char.IsLetter(ch))
                    {
                        letters++;
                        if (char.IsUpper(ch))
                        {
                            upper++;
                        }
                    }

                    ch = char.ToLowerInvariant(ch);
                    var n = builder.Length;
                    if (n >= 2 && builder[n - 1] == ch && builder[n - 2] == ch)
                    {
                        elongated = true;
                    }
                    else
                    {
                        builder.Append(ch);
                    }

                    j++;
                }

                // Trailing apostrophes are quotes, not part of the word.
                while (builder.Length > 1 && builder[^1] == '\'')
                {
                    builder.Length--;
                }

                var word = builder.ToString();
                var isNegation = IsNegation(word) || (cueBefore && Options.Pidgin && PidginCues.NegationAuxiliaries.Contains(word));
                tokens.Add(new SentimentToken(word, SentimentTokenKind.Word, negated && !isNegation, letters >= 2 && upper == letters, elongated));
                negated |= isNegation;
                cueBefore = isNegation;
                i = j;
            }
            else if (char.IsSurrogate(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.OtherSymbol)
            {
                var length = char.IsHighSurrogate(c) && i + 1 < chunk.Length ? 2 : 1;
                var rune = chunk.Slice(i, length);
                i += length;
                if (!IsEmojiModifier(rune))
                {
                    tokens.Add(new SentimentToken(rune.ToString(), SentimentTokenKind.Emoji, false, false, false));
                }
            }
            else if (c is '\uFE0F' or '\u200D')
            {
                i++;
            }
            else
            {
                // Punctuation runs: "!!!!" → "!!", "?!?!" → "?!", "....." → "..".
                var j = i + 1;
                while (j < chunk.Length && !IsWordChar(chunk[j]) && !char.IsSurrogate(chunk[j]) && chunk[j] != '#'
                       && CharUnicodeInfo.GetUnicodeCategory(chunk[j]) != UnicodeCategory.OtherSymbol)
                {
                    j++;
                }

                var run = chunk[i..j];
                i = j;
                if (run.Length == 1 && run[0] is '"' or '\'' or '(' or ')' or '*' or '-' or '\u201C' or '\u201D')
                {
                    continue;
                }

                var text = run.Length switch
                {
                    1 => run.ToString(),
                    _ => string.Concat(run[0].ToString(), run[^1].ToString()),
                };
                tokens.Add(new SentimentToken(text, SentimentTokenKind.Punctuation, false, false, run.Length > 2));
                cueBefore = false;
                if (run.IndexOfAny(".,;:!?") >= 0)
                {
                    negated = false;
                }
            }
        }
    }

    /// <summary>VADER's negations, plus Pidgin's when Pidgin features are on.</summary>
    public bool IsNegation(string lowerWord) =>
        _lexicon.IsNegation(lowerWord) || (Options.Pidgin && PidginCues.Negations.Contains(lowerWord));

    private static bool IsEmojiModifier(ReadOnlySpan<char> rune) =>
        rune.Length == 2 && rune[0] == '\uD83C' && rune[1] is >= '\uDFFB' and <= '\uDFFF';

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c is '_' or '\'' or '\u2019';

    /// <summary>
    /// VADER's ideas as features rather than a verdict: valence sums with negation, boosters, caps
    /// and "but" weighting; counts; the compound score; emoji polarity; !, ?, caps, elongation.
    /// </summary>
    private void AddLexiconFeatures(string text, List<SentimentToken> tokens, Scratch scratch)
    {
        double positive = 0, negative = 0, last = 0;
        int positives = 0, negatives = 0, emojiPositive = 0, emojiNegative = 0, caps = 0, elongated = 0;
        var butIndex = -1;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Kind == SentimentTokenKind.Word && tokens[i].Text == "but")
            {
                butIndex = i;
            }
        }

        var mixedCase = tokens.Any(t => t.Kind == SentimentTokenKind.Word && !t.AllCaps && t.Text.Any(char.IsLetter));
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            caps += token.AllCaps ? 1 : 0;
            elongated += token.Elongated && token.Kind == SentimentTokenKind.Word ? 1 : 0;
            var key = token.Kind == SentimentTokenKind.Word && token.Text.Length > 1 && token.Text[0] == '#' ? token.Text[1..] : token.Text;
            if (!_lexicon.Valences.TryGetValue(key, out var valence) || _lexicon.Boosters.ContainsKey(key) || IsPostBoosting(tokens, i))
            {
                continue;
            }

            if (token.Kind == SentimentTokenKind.Word)
            {
                if (token.AllCaps && mixedCase)
                {
                    valence += Math.Sign(valence) * SentimentLexicon.CapsIncrement;
                }

                for (var back = 1; back <= 3 && i - back >= 0; back++)
                {
                    var before = tokens[i - back];
                    if (before.Kind != SentimentTokenKind.Word)
                    {
                        break;
                    }

                    if (_lexicon.Boosters.TryGetValue(before.Text, out var boost)
                        || (Options.Pidgin && PidginCues.PreBoosters.TryGetValue(before.Text, out boost)))
                    {
                        // VADER damps boosters further away: 1, 0.95, 0.9.
                        valence += Math.Sign(valence) * boost * (1 - (0.05 * (back - 1)));
                    }

                    if (IsNegation(before.Text))
                    {
                        valence *= SentimentLexicon.NegationScalar;
                        break;
                    }
                }

                if (Options.Pidgin)
                {
                    for (var ahead = 1; ahead <= 2 && i + ahead < tokens.Count; ahead++)
                    {
                        var after = tokens[i + ahead];
                        if (after.Kind != SentimentTokenKind.Word)
                        {
                            break;
                        }

                        if (PidginCues.PostBoosters.Contains(after.Text))
                        {
                            valence += Math.Sign(valence) * SentimentLexicon.BoosterIncrement;
                            break;
                        }
                    }
                }
            }

            if (butIndex >= 0)
            {
                valence *= i < butIndex ? 0.5 : i > butIndex ? 1.5 : 1;
            }

            if (token.Kind == SentimentTokenKind.Emoji)
            {
                emojiPositive += valence > 0 ? 1 : 0;
                emojiNegative += valence < 0 ? 1 : 0;
            }

            if (valence > 0)
            {
                positive += valence;
                positives++;
            }
            else if (valence < 0)
            {
                negative -= valence;
                negatives++;
            }

            last = valence;
        }

        var exclamations = 0;
        var questions = 0;
        foreach (var c in text)
        {
            exclamations += c == '!' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
        }

        var sum = positive - negative;
        if (sum != 0)
        {
            sum += Math.Sign(sum) * Math.Min(exclamations, 4) * 0.292;
        }

        var compound = sum / Math.Sqrt((sum * sum) + 15);
        Span<float> dense =
        [
            (float)(positive / 4),
            (float)(negative / 4),
            Math.Min(positives, 6) / 3f,
            Math.Min(negatives, 6) / 3f,
            (float)compound,
            (float)(last / 4),
            Math.Min(emojiPositive, 3) / 3f,
            Math.Min(emojiNegative, 3) / 3f,
            Math.Min(exclamations, 4) / 4f,
            Math.Min(questions, 4) / 4f,
            Math.Min(caps, 3) / 3f,
            Math.Min(elongated, 3) / 3f,
            positives + negatives == 0 ? 1f : 0f,
            1f, // a constant: lets the scale of the lexicon block and the intercept interact
        ];
        for (var f = 0; f < dense.Length; f++)
        {
            if (dense[f] != 0)
            {
                scratch.Indices[scratch.Count] = f;
                scratch.Values[scratch.Count] = dense[f];
                scratch.Count++;
            }
        }
    }

    /// <summary>A Pidgin intensifier right after (within two words of) a word with valence: it boosts that word instead of counting itself.</summary>
    private bool IsPostBoosting(List<SentimentToken> tokens, int i)
    {
        if (!Options.Pidgin || tokens[i].Kind != SentimentTokenKind.Word || !PidginCues.PostBoosters.Contains(tokens[i].Text))
        {
            return false;
        }

        for (var back = 1; back <= 2 && i - back >= 0; back++)
        {
            var before = tokens[i - back];
            if (before.Kind != SentimentTokenKind.Word)
            {
                return false;
            }

            if (_lexicon.Valences.ContainsKey(before.Text) && !PidginCues.PostBoosters.Contains(before.Text))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Dense features 14..20: Pidgin markers (min(n, 4)/4 and a two-or-more flag: with them the linear
    /// model learns class priors per language), complaint cues, and the learned Pidgin lexicon (see
    /// <see cref="PidginLexiconFeatures"/>).
    /// </summary>
    private void AddPidginFeatures(List<SentimentToken> tokens, Scratch scratch)
    {
        int markers = 0, complaints = 0;
        foreach (var token in tokens)
        {
            if (token.Kind == SentimentTokenKind.Word)
            {
                markers += PidginCues.Markers.Contains(token.Text) ? 1 : 0;
                complaints += PidginCues.ComplaintCues.Contains(token.Text) ? 1 : 0;
            }
        }

        scratch.PidginMarkers = markers;
        Span<float> dense = stackalloc float[3 + PidginLexiconFeatureCount];
        dense[0] = Math.Min(markers, 4) / 4f;
        dense[1] = markers >= 2 ? 1f : 0f;
        dense[2] = Math.Min(complaints, 3) / 3f;
        PidginLexiconFeatures(tokens, PidginLexicon, dense[3..]);
        for (var f = 0; f < dense.Length; f++)
        {
            if (dense[f] != 0)
            {
                scratch.Indices[scratch.Count] = PidginFeatureStart + f;
                scratch.Values[scratch.Count] = dense[f];
                scratch.Count++;
            }
        }
    }

    /// <summary>
    /// The learned lexicon's features of a tweet: positive and negative score sums (/4), a VADER-style
    /// compound of their difference, and the share of words the lexicon knows. Negation is not applied:
    /// the scores are learned from words as they are used, "work" included in "e no dey work".
    /// </summary>
    public static void PidginLexiconFeatures(IReadOnlyList<SentimentToken> tokens, PidginLexicon lexicon, Span<float> features)
    {
        double positive = 0, negative = 0;
        int words = 0, known = 0;
        if (lexicon.Count > 0)
        {
            foreach (var token in tokens)
            {
                if (token.Kind != SentimentTokenKind.Word)
                {
                    continue;
                }

                words++;
                if (lexicon.TryGetScore(token.Text, out var score))
                {
                    known++;
                    if (score > 0)
                    {
                        positive += score;
                    }
                    else
                    {
                        negative -= score;
                    }
                }
            }
        }

        var sum = positive - negative;
        features[0] = (float)(positive / 4);
        features[1] = (float)(negative / 4);
        features[2] = (float)(sum / Math.Sqrt((sum * sum) + 15));
        features[3] = words == 0 ? 0f : (float)known / words;
    }

    private void AddCharNgrams(string text, Scratch scratch)
    {
        scratch.Char.Clear();
        var position = 0;
        while (NextChunk(text, ref position, out var start, out var length))
        {
            if (scratch.Padded.Length < length + 2)
            {
                scratch.Padded = new char[(length + 2) * 2];
            }

            var padded = scratch.Padded.AsSpan(0, length + 2);
            padded[0] = ' ';
            padded[^1] = ' ';
            text.AsSpan(start, length).ToLowerInvariant(padded.Slice(1, length));
            for (var n = Options.CharNgramMin; n <= Options.CharNgramMax; n++)
            {
                for (var i = 0; i + n <= padded.Length; i++)
                {
                    scratch.Char.Add(Bucket(XxHash3.HashToUInt64(MemoryMarshal.AsBytes(padded.Slice(i, n)), (long)(CharSeed + (ulong)n))));
                }

                if (n >= padded.Length)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Adds a block of bucket hits as (1 + ln count), L2-normalised to <paramref name="weight"/>.</summary>
    private static void AppendBlock(Scratch scratch, List<int> hits, float weight)
    {
        if (hits.Count == 0)
        {
            return;
        }

        var span = CollectionsMarshal.AsSpan(hits);
        SortBuckets(span, scratch);
        var first = scratch.Count;
        double squares = 0;
        var i = 0;
        while (i < span.Length)
        {
            var j = i + 1;
            while (j < span.Length && span[j] == span[i])
            {
                j++;
            }

            var value = 1f + MathF.Log(j - i);
            scratch.Indices[scratch.Count] = span[i];
            scratch.Values[scratch.Count] = value;
            scratch.Count++;
            squares += value * value;
            i = j;
        }

        var scale = (float)(weight / Math.Sqrt(squares));
        for (var k = first; k < scratch.Count; k++)
        {
            scratch.Values[k] *= scale;
        }
    }

    /// <summary>
    /// Sorts bucket indices (non-negative, below <see cref="DenseCount"/> + 2^24). A character block holds hundreds of them;
    /// there a least-significant-digit radix sort (10-bit digits: two passes at the default 18 hash bits) costs a few
    /// linear passes where the comparison sort took a sixth of an import's sentiment stage. Short blocks keep the
    /// comparison sort. Either way the result is the same sorted sequence.
    /// </summary>
    private static void SortBuckets(Span<int> keys, Scratch scratch)
    {
        const int digitBits = 10;
        const int radix = 1 << digitBits;
        if (keys.Length < 96)
        {
            keys.Sort();
            return;
        }

        var max = 0;
        foreach (var key in keys)
        {
            max |= key;
        }

        if (scratch.SortBuffer.Length < keys.Length)
        {
            scratch.SortBuffer = new int[keys.Length * 2];
        }

        Span<int> counts = stackalloc int[radix];
        var source = keys;
        var target = scratch.SortBuffer.AsSpan(0, keys.Length);
        for (var shift = 0; shift == 0 || (max >> shift) != 0; shift += digitBits)
        {
            counts.Clear();
            foreach (var key in source)
            {
                counts[(key >> shift) & (radix - 1)]++;
            }

            var offset = 0;
            for (var digit = 0; digit < radix; digit++)
            {
                (counts[digit], offset) = (offset, offset + counts[digit]);
            }

            foreach (var key in source)
            {
                target[counts[(key >> shift) & (radix - 1)]++] = key;
            }

            var written = target;
            target = source;
            source = written;
        }

        if (!source.Overlaps(keys))
        {
            source.CopyTo(keys);
        }
    }

    /// <summary>
    /// Word and character buckets share one hash space; a vector needs each index once, in order. The
    /// dense features come first and each block is sorted already, so one merge of the two blocks does
    /// (a full sort was a fifth of the featurising time).
    /// </summary>
    private static void MergeBlocks(Scratch scratch, int wordStart, int charStart)
    {
        var end = scratch.Count;
        if (charStart == end || wordStart == charStart)
        {
            return;
        }

        var length = end - wordStart;
        if (scratch.MergeIndices.Length < length)
        {
            scratch.MergeIndices = new int[length * 2];
            scratch.MergeValues = new float[length * 2];
        }

        var indices = scratch.Indices;
        var values = scratch.Values;
        int a = wordStart, b = charStart, write = 0;
        while (a < charStart || b < end)
        {
            int index;
            float value;
            if (b == end || (a < charStart && indices[a] < indices[b]))
            {
                (index, value) = (indices[a], values[a]);
                a++;
            }
            else if (a == charStart || indices[b] < indices[a])
            {
                (index, value) = (indices[b], values[b]);
                b++;
            }
            else
            {
                (index, value) = (indices[a], values[a] + values[b]);
                a++;
                b++;
            }

            scratch.MergeIndices[write] = index;
            scratch.MergeValues[write] = value;
            write++;
        }

        Array.Copy(scratch.MergeIndices, 0, indices, wordStart, write);
        Array.Copy(scratch.MergeValues, 0, values, wordStart, write);
        scratch.Count = wordStart + write;
    }

    private static void EnsureCapacity(Scratch scratch, int needed)
    {
        if (scratch.Indices.Length < needed)
        {
            scratch.Indices = new int[needed * 2];
            scratch.Values = new float[needed * 2];
        }
    }

    private int Bucket(ulong hash) => DenseCount + (int)(hash & (ulong)_mask);

    private static ulong Hash(string token, ulong seed) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(token.AsSpan()), (long)seed);

    private static ulong Mix(ulong a, ulong b, ulong seed)
    {
        Span<ulong> pair = [a, b];
        return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(pair), (long)seed);
    }
}
