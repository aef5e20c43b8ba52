using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class AnchorCoherenceTests
{
    // 50 lines written by a seeded generator (bank-chatter words, stop words, handles, amounts,
    // one empty line and one line that tokenises to nothing), saved as CORPUS.txt and scored with
    //   /usr/bin/python3 tools/topic_anchor.py CORPUS.txt --score-topics TOPICS.json
    // (c_v, u_mass) plus CoherenceModel(coherence='c_npmi') on the same texts and dictionary
    // (gensim 4.2.0). The expected values below are its output.
    private const string Corpus = """
        @GTBank Failed people loan reversal account 2x
        N5,000 Refund failed thanks transfer pending.
        Token network otp money app please and it's my 3rd time
        N5,000 Money naira bank service staff queue and it's my 3rd time
        The Money naira customer service week queue thanks.
        Pls Customer branch bank please today week :(
        Transfer reversal money debit bank please today
        Why is my Thanks morning week account rate and it's my 3rd time
        Token thanks network bank branch queue and it's my 3rd time
        @GTBank Money today people customer staff service morning!!

        Thanks password otp savings rate app network morning :(
        The Naira debit interest rate still today transfer :(
        N5,000 Otp money login token thanks and it's my 3rd time
        @GTBank Pending week debit still money 2x
        Thanks today care still branch week 2x
        Pls Care staff branch people service please customer naira thanks care and it's my 3rd time
        Bank token pending refund reversal transfer otp today and it's my 3rd time
        Why is my Queue service branch care still.
        The Failed pending debit transfer transfer money refund
        Token otp people bank password network.
        Bank credit password morning money interest otp please.
        Naira money password otp week network login morning :(
        Pls Bank credit loan otp interest rate login :(
        The Pending bank reversal transfer 2x
        N5,000 People refund bank pending morning transfer!!
        @GTBank Otp bank still password :(
        Pls Transfer failed people customer still staff 2x
        Pls Password account naira network today thanks interest login :(
        N5,000 Week today naira reversal refund debit bank 2x
        ok no
        Transfer people money refund thanks pending
        Why is my Transfer failed people please debit :(
        Why is my Today people naira password token morning and it's my 3rd time
        Credit account today :(
        Transfer still refund debit failed reversal.
        @GTBank Naira please refund debit transfer.
        N5,000 People rate thanks loan account interest still.
        Savings interest transfer debit refund thanks pending please!!
        Naira morning password people bank network!!
        N5,000 Login token otp app morning!!
        Bank savings loan money!!
        N5,000 Care queue money staff login network customer still naira bank.
        Money care service :(
        N5,000 Please queue naira service care
        Why is my Morning people password pending money debit network still.
        Service branch staff morning today customer
        @GTBank Customer service people naira care 2x
        Rate morning credit app people otp login please token :(
        Pls Morning account savings today interest credit and it's my 3rd time
        """;

    private static readonly IReadOnlyList<IReadOnlyList<string>> Topics =
    [
        // 11 words, so the first topic is cut to 10 ("today" goes). The vocabulary drops "app" (in fewer
        // than 5 lines), "xyzunknown" (in none), "loan" and "savings" (4 lines each) and "interest" (one
        // of scikit-learn's stop words, so the tokeniser never emits it).
        ["transfer", "reversal", "debit", "pending", "failed", "refund", "naira", "money", "bank", "week", "today"],
        ["app", "login", "otp", "network", "token", "password", "xyzunknown"],
        ["loan", "interest", "savings", "account", "rate", "credit"],
        ["customer", "care", "branch", "staff", "queue", "service"],
    ];

    private static IReadOnlyList<IReadOnlyList<string>> Texts() =>
        Corpus.Split('\n').Select(AnchorTokenizer.Tokenize).ToArray();

    [Fact]
    public void All_equals_topic_anchor_on_a_small_corpus()
    {
        var scores = Coherence.All(Topics, Texts());

        Assert.Equal(0.7569540210864631, scores.CV, 1e-6);
        Assert.Equal(-1.6841114714971115, scores.UMass, 1e-6);
        Assert.Equal(0.29265068384201065, scores.Npmi, 1e-6);
        Assert.Equal([0.4009113255216922, 0.8470480343091694, 0.8774645070304571, 0.9023922174845338], scores.PerTopicCV, Close);
        Assert.Equal([-3.9550135671506936, -0.8580396759251052, -1.0986122886431098, -0.8247803542695381], scores.PerTopicUMass, Close);
        Assert.Equal([0.03196147464629366, 0.35038758499092204, 0.35108190287251917, 0.4371717728583078], scores.PerTopicNpmi, Close);
    }

    [Fact]
    public void The_corpus_keeps_its_empty_lines_as_documents()
    {
        var texts = Texts();

        Assert.Equal(50, texts.Count);
        Assert.Equal(2, texts.Count(t => t.Count == 0));
    }

    [Fact]
    public void Vocabulary_keeps_words_in_at_least_five_and_at_most_half_of_the_documents()
    {
        var texts = Enumerable.Range(0, 10)
            .Select(i => (IReadOnlyList<string>)(i switch
            {
                < 4 => ["rare", "common", "everywhere"],
                < 6 => ["common", "everywhere"],
                _ => ["everywhere"],
            }))
            .ToArray();

        // rare: 4 documents (< 5); common: 6 (> int(0.5 × 10)); everywhere: 10.
        Assert.Empty(AnchorVocabulary.Build(texts));
        Assert.Equal(["common"], AnchorVocabulary.Build(texts, noBelow: 5, noAbove: 0.6).Order());
        Assert.Equal(["common", "rare"], AnchorVocabulary.Build(texts, noBelow: 4, noAbove: 0.6).Order());
    }

    [Fact]
    public void Prepare_drops_unknown_words_then_cuts_to_top_n_only_when_the_first_topic_is_longer()
    {
        var vocabulary = new HashSet<string> { "a", "b", "c", "d" };

        Assert.Equal([["a", "b"], ["c", "d"]], Coherence.Prepare([["a", "x", "b", "c"], ["c", "d"]], vocabulary, topN: 2));
        // gensim looks at the first topic only: a short first topic leaves a longer second one whole.
        Assert.Equal([["a"], ["b", "c", "d"]], Coherence.Prepare([["a"], ["b", "c", "d"]], vocabulary, topN: 2));
    }

    [Fact]
    public void Prepare_rejects_a_topic_with_no_known_word()
    {
        Assert.Throws<ArgumentException>(() => Coherence.Prepare([["a"], ["x"]], new HashSet<string> { "a" }));
    }

    private static bool Close(double expected, double actual) => Math.Abs(expected - actual) < 1e-6;
}
