using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// MVCC statistics of one write CF SST (or a merge of several): timestamp range and counts by record type (TiKV's
/// <c>MvccProperties</c>). Stored as the user-collected table property <see cref="PropertyName"/> (FORMAT.md §7).
/// GC skips files for which <see cref="NeedGc"/> is false. Plain mutable record.
/// </summary>
public sealed class MvccProperties
{
    /// <summary>User-collected property name.</summary>
    public const string PropertyName = "managedkv.mvcc";

    /// <summary>Encoding version byte.</summary>
    public const byte FormatVersion = 1;

    public ulong MinTs { get; set; } = ulong.MaxValue;

    public ulong MaxTs { get; set; }

    /// <summary>Distinct user keys.</summary>
    public ulong NumRows { get; set; }

    /// <summary>All versions (write CF entries).</summary>
    public ulong NumVersions { get; set; }

    public ulong NumPuts { get; set; }

    public ulong NumDeletes { get; set; }

    public ulong NumLocks { get; set; }

    public ulong NumRollbacks { get; set; }

    /// <summary>Most versions of one user key.</summary>
    public ulong MaxRowVersions { get; set; }

    /// <summary>
    /// True when the file may hold garbage at <paramref name="safePoint"/>: something is old enough, and there are
    /// more versions than rows by <paramref name="ratioThreshold"/> (TiKV's gc.ratio-threshold, default 1.1), or any
    /// delete, lock or rollback record (each is garbage once below the safe point).
    /// </summary>
    public bool NeedGc(ulong safePoint, double ratioThreshold = 1.1)
    {
        if (NumVersions == 0 || MinTs > safePoint)
        {
            return false;
        }
        if (ratioThreshold < 1.0)
        {
            return true;
        }
        return NumVersions > NumRows * ratioThreshold || NumDeletes + NumLocks + NumRollbacks > 0;
    }

    /// <summary>Adds another file's statistics (rows may be double counted across files, as in TiKV).</summary>
    public void Merge(MvccProperties other)
    {
        MinTs = Math.Min(MinTs, other.MinTs);
        MaxTs = Math.Max(MaxTs, other.MaxTs);
        NumRows += other.NumRows;
        NumVersions += other.NumVersions;
        NumPuts += other.NumPuts;
        NumDeletes += other.NumDeletes;
        NumLocks += other.NumLocks;
        NumRollbacks += other.NumRollbacks;
        MaxRowVersions = Math.Max(MaxRowVersions, other.MaxRowVersions);
    }

    /// <summary>FORMAT.md §7: version byte, then nine varints.</summary>
    public byte[] Encode()
    {
        Span<byte> buffer = stackalloc byte[1 + 9 * Coding.MaxVarint64Length];
        int n = 0;
        buffer[n++] = FormatVersion;
        n += Coding.WriteVarint64(buffer[n..], MinTs);
        n += Coding.WriteVarint64(buffer[n..], MaxTs);
        n += Coding.WriteVarint64(buffer[n..], NumRows);
        n += Coding.WriteVarint64(buffer[n..], NumVersions);
        n += Coding.WriteVarint64(buffer[n..], NumPuts);
        n += Coding.WriteVarint64(buffer[n..], NumDeletes);
        n += Coding.WriteVarint64(buffer[n..], NumLocks);
        n += Coding.WriteVarint64(buffer[n..], NumRollbacks);
        n += Coding.WriteVarint64(buffer[n..], MaxRowVersions);
        return buffer[..n].ToArray();
    }

    /// <summary>Decodes the property; null for another format version (the caller then assumes GC is needed).</summary>
    public static MvccProperties? Decode(ReadOnlySpan<byte> data)
    {
        var r = new RecordReader(data, "properties:" + PropertyName, default);
        if (r.ReadByte() != FormatVersion)
        {
            return null;
        }
        var p = new MvccProperties
        {
            MinTs = r.ReadVarint64(),
            MaxTs = r.ReadVarint64(),
            NumRows = r.ReadVarint64(),
            NumVersions = r.ReadVarint64(),
            NumPuts = r.ReadVarint64(),
            NumDeletes = r.ReadVarint64(),
            NumLocks = r.ReadVarint64(),
            NumRollbacks = r.ReadVarint64(),
            MaxRowVersions = r.ReadVarint64(),
        };
        if (!r.AtEnd)
        {
            r.Fail("trailing bytes after MVCC properties");
        }
        return p;
    }
}
