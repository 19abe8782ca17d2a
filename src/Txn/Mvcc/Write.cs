using ManagedKv.Lsm.Util;

namespace ManagedKv.Txn;

/// <summary>
/// A write CF record at <c>memcomparable(key) ‖ ~commit_ts</c> (a rollback record sits at the rolled-back start_ts).
/// Encoded as FORMAT.md §4. Immutable once built; safe to share.
/// </summary>
public sealed class Write
{
    public Write(WriteType type, ulong startTs, byte[]? shortValue = null)
    {
        Type = type;
        StartTs = startTs;
        ShortValue = shortValue;
    }

    /// <summary>Kind of record.</summary>
    public WriteType Type { get; }

    /// <summary>The writing transaction's start_ts (the default CF value sits at this ts when not inlined).</summary>
    public ulong StartTs { get; }

    /// <summary>Inlined value of a put of at most 255 bytes.</summary>
    public byte[]? ShortValue { get; }

    /// <summary>
    /// This commit record also stands for a rollback of another transaction whose start_ts equals this record's
    /// commit_ts (two records would need the same key).
    /// </summary>
    public bool HasOverlappedRollback { get; init; }

    /// <summary>A rollback that must survive until GC: it prevents a late prewrite of the same transaction.</summary>
    public bool IsProtected { get; init; }

    /// <summary>A rollback record.</summary>
    public static Write Rollback(ulong startTs, bool isProtected) => new(WriteType.Rollback, startTs) { IsProtected = isProtected };

    /// <summary>This record with the overlapped-rollback flag set.</summary>
    public Write WithOverlappedRollback() => new(Type, StartTs, ShortValue) { HasOverlappedRollback = true, IsProtected = IsProtected };

    /// <summary>Size of the encoding.</summary>
    public int EncodedLength =>
        1 + Coding.VarintLength(StartTs) + (ShortValue is null ? 0 : 2 + ShortValue.Length) + (HasOverlappedRollback ? 1 : 0) + (IsProtected ? 1 : 0);

    /// <summary>The encoded record as a new array.</summary>
    public byte[] Encode()
    {
        var result = new byte[EncodedLength];
        Encode(result);
        return result;
    }

    /// <summary>Writes <c>type | varint start_ts | tagged fields</c> (FORMAT.md §4); returns the bytes written.</summary>
    public int Encode(Span<byte> destination)
    {
        if (ShortValue is { Length: > MvccFormat.ShortValueMaxLength })
        {
            throw new InvalidOperationException($"short value of {ShortValue.Length} bytes exceeds {MvccFormat.ShortValueMaxLength}");
        }
        int n = 0;
        destination[n++] = (byte)Type;
        n += Coding.WriteVarint64(destination[n..], StartTs);
        if (ShortValue is not null)
        {
            destination[n++] = MvccFormat.WriteTagShortValue;
            destination[n++] = (byte)ShortValue.Length;
            ShortValue.CopyTo(destination[n..]);
            n += ShortValue.Length;
        }
        if (HasOverlappedRollback)
        {
            destination[n++] = MvccFormat.WriteTagOverlappedRollback;
        }
        if (IsProtected)
        {
            destination[n++] = MvccFormat.WriteTagProtectedRollback;
        }
        return n;
    }

    /// <summary>Decodes a write CF value; <paramref name="key"/> only names the record in errors.</summary>
    public static Write Decode(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key) => WriteRef.Parse(value, key).ToWrite();

    public override string ToString() =>
        $"Write({(char)Type}, start_ts={StartTs}, short={(ShortValue is null ? "-" : Convert.ToHexString(ShortValue))}, overlapped={HasOverlappedRollback}, protected={IsProtected})";
}
