namespace Tranche.Ingest;

/// <summary>One rejected row: where it is (file and 1-based data row, not counting the header), what and why.</summary>
public sealed record RowError(string File, long Row, string Column, string? Value, string Reason)
{
    public override string ToString() => $"{Path.GetFileName(File)} row {Row}, {Column} = {(Value is null ? "(empty)" : $"'{Value}'")}: {Reason}";
}
