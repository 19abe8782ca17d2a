using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm;

/// <summary>
/// MVCC statistics of one or more SSTs (TiKV's MvccProperties): timestamp range, rows, versions and their kinds.
/// Written by <see cref="MvccPropertiesCollector"/>; <see cref="Add"/> merges files. Not thread-safe while mutated.
/// </summary>
public sealed class MvccProperties
{
    /// <summary>The user-collected property holding the statistics (FORMAT.md, "MVCC properties"). On-disk.</summary>
    public const string PropertyName = "kv.mvcc";

    /// <summary>Version byte at the start of the property value. On-disk.</summary>
    public const byte FormatVersion = 1;

    /// <summary>Smallest timestamp seen (ulong.MaxValue when none).</summary>
    public ulong MinTimestamp { get; set; } = ulong.MaxValue;

    /// <summary>Largest timestamp seen (0 when none).</summary>
    public ulong MaxTimestamp { get; set; }

    /// <summary>Distinct rows (rows split across files count once per file).</summary>
    public long NumRows { get; set; }

    /// <summary>Put versions.</summary>
    public long NumPuts { get; set; }

    /// <summary>Delete versions.</summary>
    public long NumDeletes { get; set; }

    /// <summary>Lock versions.</summary>
    public long NumLocks { get; set; }

    /// <summary>Rollback versions.</summary>
    public long NumRollbacks { get; set; }

    /// <summary>All versions decoded.</summary>
    public long NumVersions { get; set; }

    /// <summary>Most versions of one row in one file.</summary>
    public long MaxRowVersions { get; set; }

    /// <summary>Merges <paramref name="other"/> into this.</summary>
    public void Add(MvccProperties other)
    {
        ArgumentNullException.ThrowIfNull(other);
        MinTimestamp = Math.Min(MinTimestamp, other.MinTimestamp);
        MaxTimestamp = Math.Max(MaxTimestamp, other.MaxTimestamp);
        NumRows += other.NumRows;
        NumPuts += other.NumPuts;
        NumDeletes += other.NumDeletes;
        NumLocks += other.NumLocks;
        NumRollbacks += other.NumRollbacks;
        NumVersions += other.NumVersions;
        MaxRowVersions = Math.Max(MaxRowVersions, other.MaxRowVersions);
    }

    /// <summary>Encodes as FORMAT.md "MVCC properties": version byte, then nine varint64 fields.</summary>
    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[1 + 9 * Coding.MaxVarint64Length];
        buffer[0] = FormatVersion;
        int n = 1;
        n += Coding.WriteVarint64(buffer[n..], MinTimestamp);
        n += Coding.WriteVarint64(buffer[n..], MaxTimestamp);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumRows);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumPuts);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumDeletes);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumLocks);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumRollbacks);
        n += Coding.WriteVarint64(buffer[n..], (ulong)NumVersions);
        n += Coding.WriteVarint64(buffer[n..], (ulong)MaxRowVersions);
        return buffer[..n].ToArray();
    }

    /// <summary>Decodes the statistics of <paramref name="properties"/>; false when the file has none.</summary>
    /// <exception cref="CorruptionException">The property is malformed.</exception>
    public static bool TryGet(TableProperties properties, out MvccProperties? result)
    {
        ArgumentNullException.ThrowIfNull(properties);
        result = null;
        if (!properties.UserCollectedProperties.TryGetValue(PropertyName, out byte[]? value))
        {
            return false;
        }
        var r = new SpanReader(value);
        Span<ulong> f = stackalloc ulong[9];
        if (!r.TryReadByte(out byte version) || version != FormatVersion)
        {
            ThrowHelper.ThrowCorruption(properties.ColumnFamilyName, 0, "MVCC properties: unknown format version");
        }
        for (int i = 0; i < f.Length; i++)
        {
            if (!r.TryReadVarint64(out f[i]))
            {
                ThrowHelper.ThrowCorruption(properties.ColumnFamilyName, r.Offset, $"MVCC properties: truncated field {i}");
            }
        }
        result = new MvccProperties
        {
            MinTimestamp = f[0], MaxTimestamp = f[1], NumRows = (long)f[2], NumPuts = (long)f[3], NumDeletes = (long)f[4],
            NumLocks = (long)f[5], NumRollbacks = (long)f[6], NumVersions = (long)f[7], MaxRowVersions = (long)f[8],
        };
        return true;
    }
}
