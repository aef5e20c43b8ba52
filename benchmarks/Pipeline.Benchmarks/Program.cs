using System.CommandLine;
using Pipeline.Benchmarks;
using Pipeline.Models.Topics;
using Pipeline.Tests.Shared;

// Benchmarks print throughput and memory with a reference measured in the same run; these
// machines are shared, so quote ratios, not absolute numbers.
var rows = new Option<int>("--rows") { Description = "Rows to write", DefaultValueFactory = _ => 200_000 };
var batch = new Option<int>("--batch") { Description = "Sink batch size", DefaultValueFactory = _ => 2_000 };
var parallelism = new Option<int>("--parallelism") { Description = "Batches committed at once", DefaultValueFactory = _ => 2 };
var v004Indexes = new Option<bool>("--v004-indexes") { Description = "Also time the sink with the post indexes V005 dropped, in the same rounds" };
var v004Trigger = new Option<bool>("--v004-trigger") { Description = "Also time the sink with V004's rollup trigger (V006 replaced it), in the same rounds" };
var sink = new Command("sink", "Sink rows/s vs psql \\copy of the same rows") { rows, batch, parallelism, v004Indexes, v004Trigger };
sink.SetAction(r => SinkBenchmark.RunAsync(r.GetValue(rows), r.GetValue(batch), r.GetValue(parallelism), r.GetValue(v004Indexes), r.GetValue(v004Trigger)));

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

var topicsCorpus = new Argument<string>("corpus")
{
    Description = "Tweets to train on: CSV or JSON lines (only a text column is needed)",
    DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "bank-tweets", "ng_bank_tweets_2023.csv"),
};
var topicsTool = new Option<string>("--anchor") { Description = "tools/topic_anchor.py", DefaultValueFactory = _ => Path.Combine("..", "shared", "tools", "topic_anchor.py") };
var topicsPython = new Option<string>("--python") { Description = "Interpreter that has gensim", DefaultValueFactory = _ => "/usr/bin/python3" };
var topicsOut = new Option<string>("--out") { Description = "Working folder (corpus, tool JSON, model)", DefaultValueFactory = _ => Path.Combine("artifacts", "topics-bench") };
var topicsK = new Option<int>("--topics") { DefaultValueFactory = _ => new TopicTrainingSettings().Topics };
var topicsIterations = new Option<int>("--iterations") { DefaultValueFactory = _ => new TopicTrainingSettings().Iterations };
var topicsThreads = new Option<int>("--threads") { DefaultValueFactory = _ => new TopicTrainingSettings().Threads };
var topicsBatch = new Option<int>("--batch") { Description = "Inference batch size", DefaultValueFactory = _ => 512 };
var topicsSeconds = new Option<double>("--infer-seconds") { Description = "Measured inference time", DefaultValueFactory = _ => 5 };
var topicsConfig = new Option<string>("--config") { Description = "pipeline.conf to take the domain stopwords from", DefaultValueFactory = _ => Path.Combine("hocon", "pipeline.conf") };
var topicsBench = new Command("topics", "train-topics' trainer vs gensim LdaModel (topic_anchor.py) in the same run: training time, c_v, inference tweets/s")
{
    topicsCorpus, topicsTool, topicsPython, topicsOut, topicsK, topicsIterations, topicsThreads, topicsBatch, topicsSeconds, topicsConfig,
};
topicsBench.SetAction(r => TopicsBenchmark.RunAsync(
    r.GetValue(topicsCorpus)!, r.GetValue(topicsTool)!, r.GetValue(topicsPython)!, r.GetValue(topicsOut)!,
    new TopicTrainingSettings { Topics = r.GetValue(topicsK), Iterations = r.GetValue(topicsIterations), Threads = r.GetValue(topicsThreads) },
    TopicsBenchmark.DomainStopwords(r.GetValue(topicsConfig)!), r.GetValue(topicsBatch), r.GetValue(topicsSeconds)));

var retrainCorpus = new Argument<string>("corpus")
{
    Description = "Posts: CSV or JSON lines (only a text column is needed)",
    DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "bank-tweets", "ng_bank_tweets_2023.csv"),
};
var retrainModel = new Option<string>("--model") { Description = "The current topic model folder", DefaultValueFactory = _ => Path.Combine("models", "topics") };
var retrainLimit = new Option<int?>("--limit") { Description = "Use only the first N posts" };
var topicsRetrain = new Command("topics-retrain", "Unclassified share of a topic model under the fixed and its calibrated rule, and one timed Retrain against it")
{
    retrainCorpus, retrainModel, retrainLimit, topicsConfig,
};
topicsRetrain.SetAction(r => TopicRetrainBenchmark.RunAsync(
    r.GetValue(retrainCorpus)!, r.GetValue(retrainModel)!, TopicsBenchmark.DomainStopwords(r.GetValue(topicsConfig)!), r.GetValue(retrainLimit)));

var freshSeconds = new Option<double>("--seconds") { Description = "Measured live time after the backlog is collected", DefaultValueFactory = _ => 180 };
var freshRate = new Option<double>("--rate") { Description = "Simulated live posts a minute (all companies)", DefaultValueFactory = _ => 120 };
var freshBacklog = new Option<int>("--backlog-days") { Description = "Backlog collected before measuring", DefaultValueFactory = _ => 2 };
var freshness = new Command("freshness", "Seconds from a post appearing on the demo's simulator to being visible in reporting.posts, p50/p95, at the demo's poll interval")
{
    freshSeconds, freshRate, freshBacklog,
};
freshness.SetAction(r => FreshnessBenchmark.RunAsync(r.GetValue(freshSeconds), r.GetValue(freshRate), r.GetValue(freshBacklog)));

var scoringRows = new Option<int>("--rows") { Description = "Posts to run", DefaultValueFactory = _ => 100_000 };
var scoringBatch = new Option<int>("--batch") { Description = "Scoring batch size", DefaultValueFactory = _ => 256 };
var scoringParallelism = new Option<int>("--parallelism") { Description = "Scoring batches at once", DefaultValueFactory = _ => 2 };
var scoring = new Command("scoring", "Posts/s through clean → topic → sentiment (lexicon) → sink vs clean → sink") { scoringRows, scoringBatch, scoringParallelism };
scoring.SetAction(r => ScoringBenchmark.RunAsync(r.GetValue(scoringRows), r.GetValue(scoringBatch), r.GetValue(scoringParallelism)));

var importRows = new Option<int>("--rows") { Description = "Rows of the CSV file", DefaultValueFactory = _ => 200_000 };
var importRounds = new Option<int>("--rounds") { Description = "Rounds of every measurement (best kept)", DefaultValueFactory = _ => 2 };
var importOnly = new Option<bool>("--import-only") { Description = "Only the child import (to try settings through the environment it inherits, e.g. DOTNET_gcServer=0)" };
var importDll = new Option<string?>("--pipeline-dll") { Description = "The program whose import is measured (default: pipeline.dll beside this one), e.g. an earlier build to compare" };
var importSqlProfile = new Option<bool>("--sql-profile") { Description = "Run the server with pg_stat_statements (nested statements too) and print where its time went after each child import" };
var importBench = new Command("import", "Posts/s of `pipeline import` of a CSV file (child process, into PostgreSQL) vs the scoring verb's graph on the same posts, the reader and cleaner alone, peak memory")
{
    importRows, importRounds, importOnly, importDll, importSqlProfile,
};
importBench.SetAction(r => ImportBenchmark.RunAsync(r.GetValue(importRows), r.GetValue(importRounds), r.GetValue(importOnly), r.GetValue(importDll), r.GetValue(importSqlProfile)));

var onnxModel = new Option<string>("--model")
{
    Description = "ONNX model folder (model.onnx, vocab.json, merges.txt[, config.json])",
    DefaultValueFactory = _ => Path.Combine("tests", "Pipeline.Models.Tests", "Fixtures", "roberta"),
};
var onnxTexts = new Option<string?>("--texts") { Description = "One text a line (default: synthetic bank tweets, two to a text)" };
var onnxCount = new Option<int>("--count") { Description = "Texts scored per setting", DefaultValueFactory = _ => 4_000 };
var onnxBatches = new Option<int[]>("--batches") { Description = "Batch sizes", DefaultValueFactory = _ => [1, 8, 16, 32, 64, 128], AllowMultipleArgumentsPerToken = true };
var onnxThreads = new Option<int[]>("--threads") { Description = "Intra-op thread counts (0 = ONNX Runtime's choice)", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
var onnxOptimization = new Option<string>("--optimization") { Description = "disabled, basic, extended or all", DefaultValueFactory = _ => "all" };
var onnxRepeat = new Option<int>("--repeat") { Description = "Timed passes per setting (best kept)", DefaultValueFactory = _ => 3 };
var onnx = new Command("onnx", "ONNX RoBERTa scorer tweets/s and peak memory by batch size and threads, vs tokenizer-only throughput")
{
    onnxModel, onnxTexts, onnxCount, onnxBatches, onnxThreads, onnxOptimization, onnxRepeat,
};
onnx.SetAction(r => OnnxBenchmark.RunAsync(r.GetValue(onnxModel)!, r.GetValue(onnxTexts), r.GetValue(onnxCount),
    r.GetValue(onnxBatches)!, r.GetValue(onnxThreads)!, r.GetValue(onnxOptimization)!, r.GetValue(onnxRepeat)));

var onnxOnceModel = new Argument<string>("model");
var onnxOnceTexts = new Argument<string>("texts");
var onnxOnceBatch = new Option<int>("--batch") { DefaultValueFactory = _ => 32 };
var onnxOnceThreads = new Option<int>("--threads") { DefaultValueFactory = _ => 1 };
var onnxOnceOptimization = new Option<string>("--optimization") { DefaultValueFactory = _ => "all" };
var onnxOnceRepeat = new Option<int>("--repeat") { DefaultValueFactory = _ => 1 };
var onnxOnce = new Command("onnx-once", "(internal) score a text file with one setting and print time and peak memory")
{
    onnxOnceModel, onnxOnceTexts, onnxOnceBatch, onnxOnceThreads, onnxOnceOptimization, onnxOnceRepeat,
};
onnxOnce.Hidden = true;
onnxOnce.SetAction(r => OnnxBenchmark.RunOnce(r.GetValue(onnxOnceModel)!, r.GetValue(onnxOnceTexts)!, r.GetValue(onnxOnceBatch),
    r.GetValue(onnxOnceThreads), r.GetValue(onnxOnceOptimization)!, r.GetValue(onnxOnceRepeat)));

var dashboardPosts = new Option<int>("--posts") { Description = "Stored (kept) posts to load", DefaultValueFactory = _ => 1_000_000 };
var dashboardRuns = new Option<int>("--runs") { Description = "Timed runs of each query (p50 reported)", DefaultValueFactory = _ => 7 };
var dashboardExplain = new Option<bool>("--explain")
{
    Description = "Instead of timing: run every query once under auto_explain (ANALYZE, BUFFERS) and print the plans and which indexes were scanned",
};
var dashboard = new Command("dashboard", "Dashboard queries (p50 ms) at a million stored posts vs count(*) of reporting.posts") { dashboardPosts, dashboardRuns, dashboardExplain };
dashboard.SetAction(r => r.GetValue(dashboardExplain)
    ? DashboardBenchmark.ExplainAsync(r.GetValue(dashboardPosts))
    : DashboardBenchmark.RunAsync(r.GetValue(dashboardPosts), r.GetValue(dashboardRuns)));

var sentimentModel = new Option<string>("--model") { DefaultValueFactory = _ => Path.Combine("models", "sentiment") };
var sentimentText = new Option<string>("--text") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment", "val_text.txt") };
var sentimentLabels = new Option<string>("--labels") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment", "val_labels.txt") };
var sentimentSeconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3 };
var sentiment = new Command("sentiment", "Built-in sentiment scorer tweets/s by batch size vs featurisation alone, eval numbers, peak memory")
{
    sentimentModel, sentimentText, sentimentLabels, sentimentSeconds,
};
sentiment.SetAction(r => SentimentBenchmark.Run(r.GetValue(sentimentModel)!, r.GetValue(sentimentText)!, r.GetValue(sentimentLabels)!, r.GetValue(sentimentSeconds)));

var hostDll = new Option<string?>("--host-dll") { Description = "The service to run (default: src/Pipeline.Host/bin/Release/net10.0/pipeline.dll under the repository)" };
var serviceLogs = new Option<string?>("--logs") { Description = "Keep the service's logs (one file per start) in this folder" };
var soakMinutes = new Option<double>("--minutes") { Description = "How long the demo runs", DefaultValueFactory = _ => 30 };
var soakInterval = new Option<TimeSpan>("--interval")
{
    Description = "Time between samples: 60s, 2m, 500ms",
    DefaultValueFactory = _ => TimeSpan.FromMinutes(1),
    CustomParser = result => Durations.Parse(result),
};
var soak = new Command("soak", "The demo (simulator + the service as a child process) for N minutes: RSS, GC heap, threads, open files, database connections and posts every interval, growth per hour at the end")
{
    soakMinutes, soakInterval, hostDll, serviceLogs,
};
soak.SetAction(r => SoakBenchmark.RunAsync(r.GetValue(soakMinutes), r.GetValue(soakInterval), r.GetValue(hostDll), r.GetValue(serviceLogs)));

var chaosKills = new Option<int>("--kills") { Description = "SIGKILLs of the service, each followed by a restart", DefaultValueFactory = _ => 10 };
var chaosSeed = new Option<int>("--seed") { Description = "Seed of the kill times", DefaultValueFactory = _ => 2023 };
var chaosMinutes = new Option<double>("--minutes")
{
    Description = "Collecting time the kills are spread over (start-ups not counted); the simulator's timeline is cut off after it",
    DefaultValueFactory = _ => 3,
};
var chaos = new Command("chaos", "Kill the collecting service (a child process) with SIGKILL at K random moments, restart it each time, then compare PostgreSQL with the simulator's ground truth: lost=N duplicated=N")
{
    chaosKills, chaosSeed, chaosMinutes, hostDll, serviceLogs,
};
chaos.SetAction(r => ChaosBenchmark.RunAsync(r.GetValue(chaosKills), r.GetValue(chaosSeed), r.GetValue(chaosMinutes), r.GetValue(hostDll), r.GetValue(serviceLogs)));

var clusterNodes = new Option<int>("--nodes") { Description = "Largest cluster measured (1..N local node processes)", DefaultValueFactory = _ => 3 };
var clusterDays = new Option<int>("--backlog-days") { Description = "Days of simulator backlog to collect", DefaultValueFactory = _ => 2 };
var clusterPerDay = new Option<double>("--posts-per-day") { Description = "Backlog posts a day (all companies)", DefaultValueFactory = _ => 1500 };
var clusterKills = new Option<int>("--kills") { Description = "SIGKILLs of a node for the failover time (0: none)", DefaultValueFactory = _ => 5 };
var clusterConfig = new Option<string?>("--config") { Description = "HOCON appended to the nodes' settings, e.g. \"pipeline.cluster.stable-after = 5s\" (default: as shipped)" };
var clusterBench = new Command("cluster", "1..N local node processes: time to collect and score a fixed simulator backlog; failover time (SIGKILL to the first post committed by a moved scraper), p50 over K kills")
{
    clusterNodes, clusterDays, clusterPerDay, clusterKills, clusterConfig, hostDll, serviceLogs,
};
clusterBench.SetAction(r => ClusterBenchmark.RunAsync(r.GetValue(clusterNodes), r.GetValue(clusterDays), r.GetValue(clusterPerDay), r.GetValue(clusterKills),
    r.GetValue(clusterConfig), r.GetValue(hostDll), r.GetValue(serviceLogs)));

var alertDays = new Option<int>("--days") { Description = "Days replayed (after 35 days of history)", DefaultValueFactory = _ => 90 };
var alertIncidents = new Option<int>("--incidents") { Description = "Seeded incidents injected", DefaultValueFactory = _ => 60 };
var alertSeed = new Option<int>("--seed") { DefaultValueFactory = _ => 2023 };
var alertCompanies = new Option<int>("--companies") { DefaultValueFactory = _ => 13 };
var alertInterval = new Option<TimeSpan>("--check-interval") { Description = "Time between checks (1m, 5m)", DefaultValueFactory = _ => TimeSpan.FromMinutes(1), CustomParser = Durations.Parse };
var alertCsv = new Option<string>("--csv")
{
    Description = "Real tweets to replay after the synthetic run",
    DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "bank-tweets", "ng_bank_tweets_2023.csv"),
};
var alertP = new Option<double?>("--p-value") { Description = "Override AlertRules.Default's p-value (tuning)" };
var alertK = new Option<double?>("--dispersion") { Description = "Override AlertRules.Default's dispersion (tuning)" };
var alertTopicK = new Option<double?>("--topic-dispersion") { Description = "Override AlertRules.Default's topic dispersion (tuning)" };
var alertsBacktest = new Command("alerts-backtest", "Alert core replayed check by check: recall, delay from crossing and false alerts on seeded synthetic incidents, then alerts on the real 2023 bank tweets")
{
    alertDays, alertIncidents, alertSeed, alertCompanies, alertInterval, alertCsv, alertP, alertK, alertTopicK,
};
alertsBacktest.SetAction(r => AlertsBacktest.Run(r.GetValue(alertDays), r.GetValue(alertIncidents), r.GetValue(alertSeed), r.GetValue(alertCompanies),
    r.GetValue(alertInterval), r.GetValue(alertCsv)!, r.GetValue(alertP), r.GetValue(alertK), r.GetValue(alertTopicK)));

var alertsCostPosts = new Option<int>("--posts") { Description = "Scored posts to load", DefaultValueFactory = _ => 1_000_000 };
var alertsCostDays = new Option<int>("--days") { Description = "Days the posts are spread over, up to now", DefaultValueFactory = _ => 90 };
var alertsCostRuns = new Option<int>("--runs") { Description = "Timed checks (p50 reported)", DefaultValueFactory = _ => 9 };
var alertsCost = new Command("alerts-cost", "One alert check (load history, detect, apply) at a million stored posts vs count(*) of scored_posts")
    { alertsCostPosts, alertsCostDays, alertsCostRuns };
alertsCost.SetAction(r => AlertsCostBenchmark.RunAsync(r.GetValue(alertsCostPosts), r.GetValue(alertsCostDays), r.GetValue(alertsCostRuns)));

var markersPidgin = new Option<string>("--pidgin") { Description = "Pidgin TRAINING posts", DefaultValueFactory = _ => LanguageBenchmark.DefaultPidginTrain };
var markersEnglish = new Option<string>("--english") { Description = "English TRAINING posts", DefaultValueFactory = _ => LanguageBenchmark.DefaultEnglishTrain };
var markersOut = new Option<string>("--out") { DefaultValueFactory = _ => Path.Combine("src", "Pipeline.Models", "Language", "pidgin-markers.tsv") };
var languageMarkers = new Command("language-markers", "Build the shipped Pidgin marker list from the Pidgin and English training files") { markersPidgin, markersEnglish, markersOut };
languageMarkers.SetAction(r => LanguageBenchmark.BuildMarkers(r.GetValue(markersPidgin)!, r.GetValue(markersEnglish)!, r.GetValue(markersOut)!));

var languageEnglish = new Option<string>("--english") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment", "val_text.txt") };
var languagePidgin = new Option<string>("--pidgin") { DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "sentiment-pidgin", "val_text.txt") };
var languageForeign = new Option<string>("--foreign") { DefaultValueFactory = _ => Path.Combine("benchmarks", "data", "non-english-posts.tsv") };
var languageBank = new Option<string?>("--bank-tweets") { Description = "Unlabelled bank tweets (CSV, 'tweet' column): share kept", DefaultValueFactory = _ => Path.Combine("..", "shared", "data", "bank-tweets", "ng_bank_tweets_2023.csv") };
var languageSeconds = new Option<double>("--seconds") { Description = "Measured time of the cost loop, per mode", DefaultValueFactory = _ => 5 };
var language = new Command("language", "Language identifier: accuracy per file (English val, Pidgin val, non-English posts) and µs/post, high vs low accuracy") { languageEnglish, languagePidgin, languageForeign, languageBank, languageSeconds };
language.SetAction(r => LanguageBenchmark.Run(r.GetValue(languageEnglish)!, r.GetValue(languagePidgin)!, r.GetValue(languageForeign)!, r.GetValue(languageBank), r.GetValue(languageSeconds)));

var sweepEnglish = new Option<string>("--english") { Description = "English TRAINING posts", DefaultValueFactory = _ => LanguageBenchmark.DefaultEnglishTrain };
var sweepPidgin = new Option<string>("--pidgin") { Description = "Pidgin TRAINING posts", DefaultValueFactory = _ => LanguageBenchmark.DefaultPidginTrain };
var languageSweep = new Command("language-threshold", "Share of English and Pidgin training posts, 2023 bank tweets (and benchmark foreign posts) dropped at each min-language-confidence") { sweepEnglish, sweepPidgin, languageForeign, languageBank };
languageSweep.SetAction(r => LanguageBenchmark.Sweep(r.GetValue(sweepEnglish)!, r.GetValue(sweepPidgin)!, r.GetValue(languageForeign)!, r.GetValue(languageBank)));

var languageDemo = new Command("language-demo", "What the language identifier decides for a simulated week of the demo's conversation, by kind of post");
languageDemo.SetAction(_ => LanguageBenchmark.Simulator());

var retentionPosts = new Option<int>("--posts") { Description = "Stored (kept) posts to load, over a year", DefaultValueFactory = _ => 1_000_000 };
var retentionSinkRows = new Option<int>("--sink-rows") { Description = "Rows the sink writes in each sink phase", DefaultValueFactory = _ => 200_000 };
var retentionBatch = new Option<int>("--purge-batch") { Description = "Rows per purge transaction (pipeline.retention.batch-size)", DefaultValueFactory = _ => 2_000 };
var retention = new Command("retention", "Retention purge at a million stored posts: posts removed/s alone and beside the sink, the sink's rows/s while it runs vs alone")
    { retentionPosts, retentionSinkRows, retentionBatch, batch, parallelism };
retention.SetAction(r => RetentionBenchmark.RunAsync(r.GetValue(retentionPosts), r.GetValue(retentionSinkRows), r.GetValue(retentionBatch), r.GetValue(batch), r.GetValue(parallelism)));

var parsed = new RootCommand("Pipeline benchmarks") { retention, languageDemo, languageSweep, language, languageMarkers, scoring, importBench, sink, memory, importOnce, sample, nitterParse, coherence, lda, topicsBench, topicsRetrain, freshness, onnx, onnxOnce, dashboard, sentiment, soak, chaos, clusterBench, alertsBacktest, alertsCost }.Parse(args);
// soak, chaos and cluster own child processes, a PostgreSQL server and temporary folders: they handle Ctrl+C and SIGTERM
// themselves (Termination), stopping all three before they return.
return await parsed.InvokeAsync(parsed.CommandResult.Command == soak || parsed.CommandResult.Command == chaos || parsed.CommandResult.Command == clusterBench
    ? new InvocationConfiguration { ProcessTerminationTimeout = null }
    : null);
