using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class CoherenceTests
{
    private const double GensimTolerance = 1e-6;

    private static IReadOnlyList<IReadOnlyList<string>> Docs(params string[] lines) =>
        lines.Select(l => (IReadOnlyList<string>)l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    // Repeated words, a text longer than the small windows below and texts shorter than all windows.
    private static readonly IReadOnlyList<IReadOnlyList<string>> Texts = Docs(
        "transfer failed debit card reversal pending transfer",
        "app down login failed again transfer",
        "customer care reversal debit account",
        "loan interest rate account savings",
        "app login otp token network",
        "transfer pending reversal debit debit refund customer care account blocked app login failed network otp",
        "savings account interest loan",
        "card blocked customer care",
        "network otp token app down",
        "refund reversal pending",
        "loan",
        "debit card atm withdrawal failed debit");

    private static readonly IReadOnlyList<IReadOnlyList<string>> Topics = Docs(
        "transfer reversal debit pending", "app login otp network", "loan interest savings account");

    // Expected values: gensim 4.2.0 CoherenceModel(topics=Topics, texts=Texts, dictionary=Dictionary(Texts),
    // coherence=..., processes=1), numpy 1.24.2, Debian /usr/bin/python3.
    [Fact]
    public void UMass_equals_gensim_on_a_tiny_corpus()
    {
        Assert.Equal(-0.2986265781993425, Coherence.UMass(Topics, Texts), GensimTolerance);
        AssertAll([-0.41415110829266677, -0.2789960722572786, -0.20273255404808213], Coherence.UMassPerTopic(Topics, Texts));
    }

    [Fact]
    public void CV_equals_gensim_on_a_tiny_corpus()
    {
        Assert.Equal(0.9621239896782883, Coherence.CV(Topics, Texts), GensimTolerance);
        AssertAll([0.935181866949011, 0.9797894151423967, 0.9714006869434573], Coherence.CVPerTopic(Topics, Texts));
    }

    [Fact]
    public void Npmi_equals_gensim_on_a_tiny_corpus()
    {
        Assert.Equal(0.5121561984275042, Coherence.Npmi(Topics, Texts), GensimTolerance);
        AssertAll([0.44175091118036763, 0.5408586813828934, 0.5538590027192515], Coherence.NpmiPerTopic(Topics, Texts));
    }

    // Windows shorter than the long texts make the window slide, and "debit debit" leaves the
    // window one copy at a time: gensim then forgets the word while the second copy is still inside.
    [Fact]
    public void Sliding_windows_count_like_gensim_when_the_window_is_shorter_than_a_text()
    {
        AssertAll([0.920715488624598, 0.9529169563669285, 0.9499343468809791], Coherence.CVPerTopic(Topics, Texts, window: 5));
        AssertAll([0.3854736611240501, 0.4228247535025669, 0.5894733332424934], Coherence.NpmiPerTopic(Topics, Texts, window: 4));
    }

    [Fact]
    public void UMass_and_Npmi_match_a_hand_computation()
    {
        var texts = Docs("atm cash card", "atm cash", "atm app", "app login otp");
        var topics = Docs("atm cash card", "app login otp");

        // u_mass, N = 4 documents; D = documents holding the word(s); pairs (wᵢ | wⱼ), j < i:
        //   D(atm)=3 D(cash)=2 D(card)=1 D(app)=2 D(login)=1 D(otp)=1
        //   topic 1: cash|atm = ln((2/4)/(3/4)) = ln 2/3;  card|atm = ln 1/3;  card|cash = ln((1/4)/(2/4)) = ln 1/2
        //            mean = ln(1/9)/3 = −0.7324082
        //   topic 2: login|app = ln 1/2;  otp|app = ln 1/2;  otp|login = ln((1/4)/(1/4)) = 0
        //            mean = 2 ln(1/2)/3 = −0.4620981
        //   u_mass = −(ln 9 + ln 4)/6 = −ln 6 / 3 = −0.5972532            (gensim: −0.5972531564056851)
        Assert.Equal(-Math.Log(6) / 3, Coherence.UMass(topics, texts), 1e-9);

        // NPMI, window 10 ≥ every text, so each text is one window, N = 4;
        // NPMI(x,y) = ln(P(x,y) / (P(x)P(y))) / −ln P(x,y), symmetric, averaged over the topic's pairs:
        //   topic 1: atm,cash  = ln((1/2)/(3/4·1/2)) / ln 2 = log₂(4/3)   = 0.4150375
        //            atm,card  = ln((1/4)/(3/4·1/4)) / ln 4 = log₄(4/3)   = 0.2075187
        //            cash,card = ln((1/4)/(1/2·1/4)) / ln 4 = ln 2 / ln 4 = 0.5
        //            mean = 0.3741854
        //   topic 2: app,login = 0.5;  app,otp = 0.5;  login,otp = ln((1/4)/(1/16)) / ln 4 = 1;  mean = 2/3
        //   c_npmi = (0.3741854 + 0.6666667) / 2 = 0.5204260            (gensim: 0.5204260414907645)
        var topic1 = (Math.Log2(4.0 / 3) + (Math.Log(4.0 / 3) / Math.Log(4)) + 0.5) / 3;
        Assert.Equal((topic1 + (2.0 / 3)) / 2, Coherence.Npmi(topics, texts), 1e-9);

        // And gensim's c_v on the same corpus, for completeness.
        Assert.Equal(0.9204266517655384, Coherence.CV(topics, texts), GensimTolerance);
    }

    [Fact]
    public void A_pair_never_seen_together_is_finite_thanks_to_epsilon()
    {
        var texts = Docs("atm cash", "app login");

        // u_mass: app|atm = ln((0/2 + ε) / (1/2)) = ln 2ε = −26.9378739        (gensim: −26.937873935368604)
        // NPMI:   ln(ε / (1/2 · 1/2)) / −ln ε = −1 + ln 4 / −ln ε = −0.9498283  (gensim: −0.9498283340560031)
        Assert.Equal(Math.Log(2e-12), Coherence.UMass(Docs("atm app"), texts), 1e-9);
        Assert.Equal(-1 + (Math.Log(4) / -Math.Log(1e-12)), Coherence.Npmi(Docs("atm app"), texts), 1e-9);
    }

    [Fact]
    public void UMass_scores_a_pair_zero_when_the_conditioning_word_never_occurs()
    {
        // The only pair is atm given absent; gensim catches the ZeroDivisionError and scores it 0.
        Assert.Equal(0.0, Coherence.UMass(Docs("absent atm"), Docs("atm cash")));
    }

    [Fact]
    public void A_one_word_topic_has_no_pairs_and_its_pairwise_measures_are_not_a_number()
    {
        var texts = Docs("atm cash", "atm");

        Assert.True(double.IsNaN(Coherence.UMass(Docs("atm"), texts)));
        Assert.True(double.IsNaN(Coherence.Npmi(Docs("atm"), texts)));
        Assert.Equal(1.0, Coherence.CV(Docs("atm"), texts), 1e-12);
    }

    [Fact]
    public void Sliding_window_measures_skip_empty_texts_instead_of_counting_them()
    {
        var texts = Docs("atm cash card", "atm cash", "atm app", "app login otp");
        var withEmpty = texts.Append([]).ToArray();
        var topics = Docs("atm cash card", "app login otp");

        Assert.Equal(Coherence.CV(topics, texts), Coherence.CV(topics, withEmpty));
        Assert.Equal(Coherence.Npmi(topics, texts), Coherence.Npmi(topics, withEmpty));
    }

    private static void AssertAll(double[] expected, IReadOnlyList<double> actual)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], GensimTolerance);
        }
    }
}
