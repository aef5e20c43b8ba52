using System.CommandLine;
using Pipeline.Benchmarks;
using Pipeline.Tests.Shared;

// Benchmarks print throughput and memory with a reference measured in the same run; these
// machines are shared, so quote ratios, not absolute numbers.
var rows = new Option<int>("--rows") { Description = "Rows to write", DefaultValueFactory = _ => 200_000 };
var batch = new Option<int>("--batch") { Description = "Sink batch size", DefaultValueFactory = _ => 2_000 };
var parallelism = new Option<int>("--parallelism") { Description = "Batches committed at once", DefaultValueFactory = _ => 2 };
var sink = new Command("sink", "Sink rows/s vs psql \\copy of the same rows") { rows, batch, parallelism };
sink.SetAction(r => SinkBenchmark.RunAsync(r.GetValue(rows), r.GetValue(batch), r.GetValue(parallelism)));

var small = new Option<int>("--small") { DefaultValueFactory = _ => 20_000 };
var large = new Option<int>("--large") { DefaultValueFactory = _ => 200_000 };
var memory = new Command("import-memory", "Peak memory of an import, small vs large file (must be flat)") { small, large };
memory.SetAction(r => ImportMemoryBenchmark.RunAsync(r.GetValue(small), r.GetValue(large)));

var file = new Argument<string>("file");
var importOnce = new Command("import-once", "(internal) import one file into PIPELINE_BENCH_DB and print peak memory") { file };
importOnce.Hidden = true;
importOnce.SetAction(r => ImportMemoryBenchmark.ImportOnceAsync(r.GetValue(file)!,
    Environment.GetEnvironmentVariable("PIPELINE_BENCH_DB") ?? throw new InvalidOperationException("PIPELINE_BENCH_DB is not set")));

var output = new Argument<string>("path");
var count = new Option<int>("--count") { DefaultValueFactory = _ => 600 };
var sample = new Command("sample", "Write the synthetic sample file shipped in samples/") { output, count };
sample.SetAction(r => SyntheticTweets.WriteJsonLines(r.GetValue(output)!, SyntheticTweets.Generate(r.GetValue(count), seed: 2023)));

var fixtures = new Argument<string>("path")
{
    Description = "Folder of Nitter pages (*.html)",
    DefaultValueFactory = _ => Path.Combine("tests", "Pipeline.Actors.Tests", "Fixtures", "Nitter"),
};
var seconds = new Option<double>("--seconds") { Description = "Measured time of each side", DefaultValueFactory = _ => 5 };
var nitterParse = new Command("nitter-parse", "Nitter pages/s and posts/s vs AngleSharp's bare DOM parse of the same pages") { fixtures, seconds };
nitterParse.SetAction(r => NitterParseBenchmark.Run(r.GetValue(fixtures)!, r.GetValue(seconds)));

var corpus = new Argument<string>("corpus") { Description = "Text file, one document a line" };
var topicsJson = new Argument<string>("topics") { Description = "JSON: {\"name\": [[w1..w10], ...]} or [[w1..w10], ...]" };
var coherence = new Command("coherence", "c_v, u_mass and c_npmi of topics, as tools/topic_anchor.py --score-topics scores them, with the time taken") { corpus, topicsJson };
coherence.SetAction(r => CoherenceBenchmark.Run(r.GetValue(corpus)!, r.GetValue(topicsJson)!));

var ldaCsv = new Argument<string>("csv") { Description = "Tweet CSV with a 'tweet' column" };
var ldaK = new Option<int>("--k") { DefaultValueFactory = _ => 10 };
var ldaIterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 200 };
var ldaAlpha = new Option<float>("--alpha") { Description = "alphaSum (prior summed over topics)", DefaultValueFactory = _ => 10f };
var ldaBeta = new Option<float>("--beta") { DefaultValueFactory = _ => 0.05f };
var ldaThreads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
var ldaNgrams = new Option<int>("--ngrams") { DefaultValueFactory = _ => 1 };
var ldaMaxTokens = new Option<int>("--max-tokens") { Description = "maximumTokenCountPerDocument", DefaultValueFactory = _ => 512 };
var ldaSeed = new Option<int>("--seed") { DefaultValueFactory = _ => 2023 };
var ldaShuffle = new Option<int?>("--shuffle") { Description = "Shuffle the documents with this seed first" };
var ldaOut = new Option<string>("--out") { Description = "Prefix of the corpus.txt and topics.json written", DefaultValueFactory = _ => "lda" };
var lda = new Command("lda", "ML.NET LDA on a tweet CSV, coherence on topic_anchor.py's tokens, training time")
{
    ldaCsv, ldaK, ldaIterations, ldaAlpha, ldaBeta, ldaThreads, ldaNgrams, ldaMaxTokens, ldaSeed, ldaShuffle, ldaOut,
};
lda.SetAction(r => LdaBenchmark.Run(r.GetValue(ldaCsv)!, new Pipeline.Models.Topics.LdaSettings
{
    NumberOfTopics = r.GetValue(ldaK),
    Iterations = r.GetValue(ldaIterations),
    AlphaSum = r.GetValue(ldaAlpha),
    Beta = r.GetValue(ldaBeta),
    NumberOfThreads = r.GetValue(ldaThreads),
    NgramLength = r.GetValue(ldaNgrams),
    MaximumTokensPerDocument = r.GetValue(ldaMaxTokens),
    Seed = r.GetValue(ldaSeed),
}, r.GetValue(ldaOut)!, r.GetValue(ldaShuffle)));

var sentimentModel = new Option<string>("--model") { DefaultValueFactory = _ => Path.Combine("models", "sentiment") };
var sentimentText = new Option<string>("--text") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment", "val_text.txt") };
var sentimentLabels = new Option<string>("--labels") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment", "val_labels.txt") };
var sentimentSeconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3 };
var sentiment = new Command("sentiment", "Built-in sentiment scorer tweets/s by batch size vs featurisation alone, eval numbers, peak memory")
{
    sentimentModel, sentimentText, sentimentLabels, sentimentSeconds,
};
sentiment.SetAction(r => SentimentBenchmark.Run(r.GetValue(sentimentModel)!, r.GetValue(sentimentText)!, r.GetValue(sentimentLabels)!, r.GetValue(sentimentSeconds)));

return await new RootCommand("Pipeline benchmarks") { sink, memory, importOnce, sample, nitterParse, coherence, lda, sentiment }.Parse(args).InvokeAsync();
