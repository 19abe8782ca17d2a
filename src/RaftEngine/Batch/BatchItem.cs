namespace ManagedKv.RaftEngine;

/// <summary>
/// One decoded item of a batch's items section (FORMAT.md, "Items"): a view over the items bytes, valid until the
/// reader moves on. Fields that an item kind does not use are zero or empty.
/// </summary>
internal ref struct BatchItem
{
    public byte Tag;
    public ulong Region;

    /// <summary>Entries: the first entry's index. Compact: the compact-to index.</summary>
    public ulong Index;

    /// <summary>Entries: number of entries.</summary>
    public int Count;

    /// <summary>Entries: block compression type.</summary>
    public byte Compression;

    /// <summary>Entries: uncompressed size of the block's entry data.</summary>
    public int RawLength;

    /// <summary>Entries: bytes the block takes in the data section, checksum trailer included.</summary>
    public int BlockLength;

    /// <summary>
    /// Entries: the varint entry lengths: <see cref="Count"/> of them in format versions 1-2, all but the last in
    /// version 3 (<see cref="BatchItemReader.DecodeEnds"/> turns either into end offsets).
    /// </summary>
    public ReadOnlySpan<byte> EntryLengths;

    /// <summary>PutState / DeleteState: the state key.</summary>
    public ReadOnlySpan<byte> Key;

    /// <summary>PutState: the state value.</summary>
    public ReadOnlySpan<byte> Value;
}
