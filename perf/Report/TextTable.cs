using System.Text;

namespace ManagedKv.Perf.Report;

/// <summary>A plain-text table with right-aligned numeric columns, for the console report.</summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];

    public TextTable(params string[] headers) => _headers = headers;

    public void Add(params string[] cells) => _rows.Add(cells);

    public void AddSeparator() => _rows.Add([]);

    public override string ToString()
    {
        int[] widths = new int[_headers.Length];
        for (int c = 0; c < _headers.Length; c++)
        {
            widths[c] = _headers[c].Length;
            foreach (string[] row in _rows)
            {
                if (c < row.Length)
                {
                    widths[c] = Math.Max(widths[c], row[c].Length);
                }
            }
        }
        var sb = new StringBuilder();
        AppendRow(sb, _headers, widths);
        AppendRule(sb, widths);
        foreach (string[] row in _rows)
        {
            if (row.Length == 0)
            {
                AppendRule(sb, widths);
            }
            else
            {
                AppendRow(sb, row, widths);
            }
        }
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths)
    {
        for (int c = 0; c < widths.Length; c++)
        {
            string cell = c < cells.Length ? cells[c] : "";
            if (c > 0)
            {
                sb.Append("  ");
            }
            // First two columns (names) left-aligned, numbers right-aligned; the last column (notes) left-aligned.
            bool left = c < 2 || c == widths.Length - 1;
            sb.Append(left ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]));
        }
        sb.Append('\n');
    }

    private static void AppendRule(StringBuilder sb, int[] widths)
    {
        int total = 0;
        foreach (int w in widths)
        {
            total += w + 2;
        }
        sb.Append('-', total - 2).Append('\n');
    }
}
