namespace Pipeline.Models.Sentiment;

/// <summary>
/// The ONNX sentiment model folder cannot be used. <see cref="Problems"/> lists every problem found
/// (not only the first), so the host can stop start-up with one message the user can act on.
/// </summary>
public sealed class OnnxModelFolderException : SentimentModelException
{
    public OnnxModelFolderException(string folder, IReadOnlyList<string> problems, Exception? inner = null)
        : base(folder, Describe(folder, problems), inner)
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }

    private static string Describe(string folder, IReadOnlyList<string> problems) =>
        $"The ONNX sentiment model folder '{folder}' is not usable:" + Environment.NewLine +
        string.Join(Environment.NewLine, problems.Select(p => "  - " + p)) + Environment.NewLine +
        "Export the model on a machine with internet access with " +
        $"`{OnnxModelFolder.ExportCommandExample}` and point the setting at that folder.";
}
