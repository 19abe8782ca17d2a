using System.Buffers;
using System.Text;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// The names of a column family's code-supplied options (table-properties collectors today; prefix extractor,
/// compaction filter and the like can add a kind here), recorded in the MANIFEST (version edit tag 64, ignorable by
/// older readers) whenever the CF is created and at every open, and checked at open: a kind recorded with a
/// different name than the options now give fails the open (DESIGN.md: such options are code, supplied at every
/// open). A kind not recorded (a DB written before the kind existed) is not checked. Stateless.
/// </summary>
internal static class ColumnFamilyOptionNames
{
    /// <summary>Kind of the table-properties collectors: factory names, comma-separated in list order. On-disk.</summary>
    public const string TablePropertiesCollectors = "table_properties_collectors";

    /// <summary>Kind of the prefix extractor: its name, empty for none. On-disk.</summary>
    public const string PrefixExtractor = "prefix_extractor";

    /// <summary>The names <paramref name="options"/> give, by kind. Add a line per new code-supplied option kind.</summary>
    public static SortedDictionary<string, string> Of(ColumnFamilyOptions options)
    {
        var names = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var collectors = new StringBuilder();
        foreach (ITablePropertiesCollectorFactory f in options.TablePropertiesCollectorFactories)
        {
            if (f is null || string.IsNullOrEmpty(f.Name) || f.Name.Contains(','))
            {
                throw new ArgumentException("Table properties collector factories need a non-empty name without commas.");
            }
            if (collectors.Length > 0)
            {
                collectors.Append(',');
            }
            collectors.Append(f.Name);
        }
        names[TablePropertiesCollectors] = collectors.ToString();
        names[PrefixExtractor] = options.PrefixExtractor?.Name ?? "";
        return names;
    }

    /// <summary>Throws when a kind recorded in <paramref name="recorded"/> has another name in <paramref name="current"/>.</summary>
    public static void Check(string cfName, IReadOnlyDictionary<string, string>? recorded, SortedDictionary<string, string> current)
    {
        if (recorded is null)
        {
            return;
        }
        foreach ((string kind, string name) in recorded)
        {
            string now = current.TryGetValue(kind, out string? n) ? n : "";
            if (now != name)
            {
                throw new InvalidOperationException(
                    $"Column family '{cfName}' was written with {kind} '{name}', but is opened with '{now}'; supply the same code-defined options.");
            }
        }
    }

    /// <summary>Payload: count varint32, then (kind, name) as varint32-length-prefixed UTF-8, kinds ascending.</summary>
    public static byte[] Encode(SortedDictionary<string, string> names)
    {
        var w = new ArrayBufferWriter<byte>(64);
        Put(w, (uint)names.Count);
        foreach ((string kind, string name) in names)
        {
            byte[] k = Encoding.UTF8.GetBytes(kind);
            byte[] v = Encoding.UTF8.GetBytes(name);
            Put(w, (uint)k.Length);
            w.Write(k);
            Put(w, (uint)v.Length);
            w.Write(v);
        }
        return w.WrittenSpan.ToArray();
    }

    public static SortedDictionary<string, string> Decode(ReadOnlySpan<byte> payload, string path, long offset)
    {
        var r = new SpanReader(payload);
        var names = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!r.TryReadVarint32(out uint count))
        {
            ThrowHelper.ThrowCorruption(path, offset, "MANIFEST record: bad option-name count");
        }
        for (uint i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> name = default;
            if (!r.TryReadLengthPrefixed(out ReadOnlySpan<byte> kind) || !r.TryReadLengthPrefixed(out name))
            {
                ThrowHelper.ThrowCorruption(path, offset, "MANIFEST record: truncated option names");
            }
            names[Encoding.UTF8.GetString(kind)] = Encoding.UTF8.GetString(name);
        }
        return names;
    }

    private static void Put(ArrayBufferWriter<byte> w, uint v)
    {
        int n = Coding.WriteVarint64(w.GetSpan(Coding.MaxVarint64Length), v);
        w.Advance(n);
    }
}
