namespace ManagedKv.Txn;

/// <summary>
/// A parsed view over a write CF value without copying (the read path's allocation-free twin of <see cref="Write"/>).
/// Valid only while the span it was parsed from is.
/// </summary>
public readonly ref struct WriteRef
{
    private WriteRef(WriteType type, ulong startTs, ReadOnlySpan<byte> shortValue, bool hasShortValue, bool overlapped, bool isProtected)
    {
        Type = type;
        StartTs = startTs;
        ShortValue = shortValue;
        HasShortValue = hasShortValue;
        HasOverlappedRollback = overlapped;
        IsProtected = isProtected;
    }

    public WriteType Type { get; }

    public ulong StartTs { get; }

    public ReadOnlySpan<byte> ShortValue { get; }

    public bool HasShortValue { get; }

    public bool HasOverlappedRollback { get; }

    public bool IsProtected { get; }

    /// <summary>Parses a write CF value (FORMAT.md §4); throws <see cref="MvccFormatException"/> when malformed.</summary>
    public static WriteRef Parse(ReadOnlySpan<byte> value, ReadOnlySpan<byte> key)
    {
        var r = new RecordReader(value, MvccFormat.WriteCf, key);
        byte type = r.ReadByte();
        if (type is not ((byte)WriteType.Put or (byte)WriteType.Delete or (byte)WriteType.Lock or (byte)WriteType.Rollback))
        {
            r.Fail($"unknown write type 0x{type:X2}");
        }
        ulong startTs = r.ReadVarint64();
        ReadOnlySpan<byte> shortValue = default;
        bool hasShort = false;
        bool overlapped = false;
        bool isProtected = false;
        while (!r.AtEnd)
        {
            byte tag = r.ReadByte();
            switch (tag)
            {
                case MvccFormat.WriteTagShortValue when !hasShort:
                    hasShort = true;
                    shortValue = r.ReadSpan(r.ReadByte());
                    break;
                case MvccFormat.WriteTagOverlappedRollback when !overlapped:
                    overlapped = true;
                    break;
                case MvccFormat.WriteTagProtectedRollback when !isProtected:
                    isProtected = true;
                    break;
                default:
                    r.Fail($"unknown or duplicate write field tag 0x{tag:X2} (format version {MvccFormat.Version})");
                    break;
            }
        }
        return new WriteRef((WriteType)type, startTs, shortValue, hasShort, overlapped, isProtected);
    }

    /// <summary>An owned copy.</summary>
    public Write ToWrite() => new(Type, StartTs, HasShortValue ? ShortValue.ToArray() : null)
    {
        HasOverlappedRollback = HasOverlappedRollback,
        IsProtected = IsProtected,
    };
}
