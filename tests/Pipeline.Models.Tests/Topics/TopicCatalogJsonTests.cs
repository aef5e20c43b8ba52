using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class TopicCatalogJsonTests
{
    private static readonly TopicCatalog Catalog = new("lda-2024-02",
    [
        new TopicDescription(5, "Transaction Issues – Card Services", [new WeightedWord("card", 0.1523), new WeightedWord("atm", 0.1 / 3)], 0.24),
        new TopicDescription(9, "loan / interest / repayment", [new WeightedWord("loan", 0.16)], 0.76),
    ], HighestIssuedId: 11);

    [Fact]
    public void Topics_json_round_trips_exactly()
    {
        var json = TopicCatalogJson.Serialize(Catalog);
        var read = TopicCatalogJson.Deserialize(json);

        Assert.Equal(Catalog.ModelVersion, read.ModelVersion);
        Assert.Equal(Catalog.HighestIssuedId, read.HighestIssuedId);
        Assert.Equal(Catalog.Topics.Select(t => (t.Id, t.Label, t.Share)), read.Topics.Select(t => (t.Id, t.Label, t.Share)));
        Assert.Equal(Catalog.Topics.SelectMany(t => t.TopWords), read.Topics.SelectMany(t => t.TopWords));
        Assert.Equal(json, TopicCatalogJson.Serialize(read));
    }

    [Fact]
    public void Topics_json_is_indented_camel_case_and_keeps_labels_readable()
    {
        var json = TopicCatalogJson.Serialize(Catalog);

        Assert.Contains("\n  \"modelVersion\": \"lda-2024-02\",", json);
        Assert.Contains("\"topWords\": [", json);
        Assert.Contains("\"label\": \"Transaction Issues – Card Services\"", json);
        Assert.Contains("\"share\": 0.24", json);
    }

    [Fact]
    public void Topics_json_round_trips_through_a_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"topics-{Guid.NewGuid():N}.json");
        try
        {
            TopicCatalogJson.Write(path, Catalog);

            Assert.Equal(TopicCatalogJson.Serialize(Catalog), TopicCatalogJson.Serialize(TopicCatalogJson.Read(path)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Malformed_topics_json_names_the_file_and_line()
    {
        var error = Assert.Throws<InvalidDataException>(() =>
            TopicCatalogJson.Deserialize("{\n  \"modelVersion\": \"v\",\n  \"topics\": [ oops ]\n}", "models/topics.json"));

        Assert.StartsWith("models/topics.json:3: ", error.Message);
    }

    [Fact]
    public void Topics_json_without_topics_is_rejected()
    {
        var error = Assert.Throws<InvalidDataException>(() => TopicCatalogJson.Deserialize("{ \"modelVersion\": \"v\" }", "topics.json"));

        Assert.StartsWith("topics.json", error.Message);
    }

    [Fact]
    public void Topics_json_with_a_repeated_id_is_rejected()
    {
        var json = TopicCatalogJson.Serialize(Catalog).Replace("\"id\": 9", "\"id\": 5", StringComparison.Ordinal);

        var error = Assert.Throws<InvalidDataException>(() => TopicCatalogJson.Deserialize(json, "topics.json"));

        Assert.Contains("topic id 5 appears twice", error.Message);
    }

    [Fact]
    public void Older_topics_json_without_highest_issued_id_still_reads()
    {
        var read = TopicCatalogJson.Deserialize("{ \"modelVersion\": \"v\", \"topics\": [ { \"id\": 4, \"label\": \"x\", \"topWords\": [], \"share\": 1 } ] }");

        Assert.Null(read.HighestIssuedId);
        Assert.Equal(5, read.NextFreshId);
    }
}
