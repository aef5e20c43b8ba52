using System.Buffers.Binary;

namespace Pipeline.Models.Sentiment;

/// <summary>
/// Per-feature multipliers of the built-in model's input (NB-SVM, Wang and Manning 2012): the trainer
/// scales each hashed n-gram by how well it separates the classes before fitting, and the scorer folds
/// the same multipliers into the weights when it loads the model, so scoring costs nothing more.
/// </summary>
public static class FeatureScale
{
    public const string FileName = "feature-scale.bin";

    /// <summary>
    /// Naive-Bayes log-count ratios: for each class c, r_c = ln(p_c / |p_c|) − ln(q_c / |q_c|), where
    /// p_c counts the rows of class c that contain the feature and q_c the rows of the other classes
    /// (each plus <paramref name="alpha"/>); a feature's scale is the largest |r_c|. Features below
    /// <paramref name="firstScaled"/> (the dense ones) keep 1.
    /// </summary>
    public static float[] NaiveBayes(IEnumerable<int[]> rowIndices, IEnumerable<int> rowLabels, int dimension, int firstScaled, float alpha)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alpha);
        var counts = new int[BuiltInSentimentModel.Classes][];
        for (var c = 0; c < counts.Length; c++)
        {
            counts[c] = new int[dimension];
        }

        using (var labels = rowLabels.GetEnumerator())
        {
            foreach (var indices in rowIndices)
            {
                if (!labels.MoveNext())
                {
                    throw new ArgumentException("Fewer labels than rows.", nameof(rowLabels));
                }

                var row = counts[labels.Current];
                foreach (var j in indices)
                {
                    // Presence, not counts: a word repeated in one tweet is one piece of evidence.
                    if (j >= firstScaled)
                    {
                        row[j]++;
                    }
                }
            }
        }

        var scaled = dimension - firstScaled;
        var totals = counts.Select(row => row.Skip(firstScaled).Sum(n => (double)n)).ToArray();
        var all = new int[dimension];
        for (var c = 0; c < counts.Length; c++)
        {
            for (var j = firstScaled; j < dimension; j++)
            {
                all[j] += counts[c][j];
            }
        }

        var scale = new float[dimension];
        Array.Fill(scale, 1f, 0, firstScaled);
        for (var j = firstScaled; j < dimension; j++)
        {
            double largest = 0;
            for (var c = 0; c < counts.Length; c++)
            {
                var p = (counts[c][j] + alpha) / (totals[c] + (alpha * scaled));
                var q = (all[j] - counts[c][j] + alpha) / (totals.Sum() - totals[c] + (alpha * scaled));
                largest = Math.Max(largest, Math.Abs(Math.Log(p / q)));
            }

            scale[j] = (float)largest;
        }

        return scale;
    }

    /// <summary>The values of a sparse vector times their features' scales (a new array).</summary>
    public static float[] Apply(float[] scale, int[] indices, float[] values)
    {
        var result = new float[values.Length];
        for (var k = 0; k < values.Length; k++)
        {
            result[k] = values[k] * scale[indices[k]];
        }

        return result;
    }

    /// <summary>Little-endian: the number of features (int32), then one float32 each.</summary>
    public static void Save(string path, float[] scale)
    {
        var bytes = new byte[4 + (4 * scale.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, scale.Length);
        for (var j = 0; j < scale.Length; j++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 + (4 * j)), scale[j]);
        }

        File.WriteAllBytes(path, bytes);
    }

    /// <exception cref="InvalidDataException">The file is not a scale file of <paramref name="dimension"/> features.</exception>
    public static float[] Load(string path, int dimension)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != dimension || bytes.Length != 4 + (4 * dimension))
        {
            throw new InvalidDataException($"{path} is not a feature scale file of {dimension} features.");
        }

        var scale = new float[dimension];
        for (var j = 0; j < dimension; j++)
        {
            scale[j] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 + (4 * j)));
            if (!float.IsFinite(scale[j]))
            {
                throw new InvalidDataException($"{path}: feature {j} has scale {scale[j]}.");
            }
        }

        return scale;
    }
}
