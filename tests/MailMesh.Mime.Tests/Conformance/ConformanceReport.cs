namespace MailMesh.Mime.Tests.Conformance;

/// <summary>Counts agreements with a corpus' expected results and keeps the disagreements for the report.</summary>
internal sealed class ConformanceReport(string name)
{
    private readonly List<string> _disagreements = [];

    public int Total { get; private set; }

    public int Agreed { get; private set; }

    public IReadOnlyList<string> Disagreements => _disagreements;

    public double Rate => Total == 0 ? 0 : (double)Agreed / Total;

    public void Check(bool agreed, string what)
    {
        Total++;
        if (agreed)
        {
            Agreed++;
        }
        else
        {
            _disagreements.Add(what);
        }
    }

    public string Summary => $"{name}: {Agreed}/{Total} agree ({Rate:P1})";
}
