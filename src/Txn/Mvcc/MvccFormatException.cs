namespace ManagedKv.Txn;

/// <summary>
/// An MVCC record or key read from the engine failed to decode (bad type byte, unknown field tag, truncated varint,
/// invalid key encoding). Names the column family, the key (hex) and the byte offset in the record where decoding
/// stopped. Wrong data is never returned in its place.
/// </summary>
public sealed class MvccFormatException : IOException
{
    public MvccFormatException(string columnFamily, ReadOnlySpan<byte> key, int offset, string reason)
        : base($"Corrupt MVCC record in cf '{columnFamily}' key {Convert.ToHexString(key)} at offset {offset}: {reason}")
    {
        ColumnFamily = columnFamily;
        Key = key.ToArray();
        Offset = offset;
        Reason = reason;
    }

    /// <summary>Column family the record came from.</summary>
    public string ColumnFamily { get; }

    /// <summary>Engine key of the record.</summary>
    public byte[] Key { get; }

    /// <summary>Byte offset inside the record where decoding failed.</summary>
    public int Offset { get; }

    /// <summary>Which check failed.</summary>
    public string Reason { get; }
}
