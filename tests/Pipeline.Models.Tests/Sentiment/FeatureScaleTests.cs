using Pipeline.Models.Sentiment;

namespace Pipeline.Models.Tests.Sentiment;

public sealed class FeatureScaleTests
{
    [Fact]
    public void A_feature_seen_in_one_class_only_is_scaled_up_against_one_spread_over_all_classes_and_dense_features_keep_one()
    {
        // Features 0-1 are dense. Feature 2: in both positive rows only; feature 3: in one row of each
        // class; 4 and 5 fill the rows so that every class has as many features.
        int[][] rows = [[0, 3, 4], [1, 4, 5], [3, 4], [4, 5], [2, 3], [2, 5]];
        int[] labels = [0, 0, 1, 1, 2, 2];

        var scale = FeatureScale.NaiveBayes(rows, labels, dimension: 6, firstScaled: 2, alpha: 1f);

        Assert.Equal([1f, 1f], scale[..2]);
        // Positive: (2 + 1) / (4 + 4) against (0 + 1) / (8 + 4): ln 4.5.
        Assert.Equal(Math.Log(4.5), scale[2], 5);
        Assert.Equal(0, scale[3], 5);
    }

    [Fact]
    public void A_saved_scale_loads_back_and_a_file_of_another_dimension_is_refused()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("feature-scale-").FullName, FeatureScale.FileName);
        try
        {
            float[] scale = [1f, 1f, 0.25f, 3.5f];
            FeatureScale.Save(path, scale);

            Assert.Equal(scale, FeatureScale.Load(path, 4));
            var error = Assert.Throws<InvalidDataException>(() => FeatureScale.Load(path, 5));
            Assert.Contains("5 features", error.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
