namespace ManagedKv.RaftEngine;

/// <summary>
/// Where one entry's bytes are: its block (handle, compression, raw size) and the [Start, End) range inside the
/// block's decompressed bytes. Produced by <see cref="RegionIndex"/>, consumed by the read path.
/// </summary>
internal struct EntryLocation
{
    public FileBlockHandle Block;
    public byte Compression;
    public int RawLength;
    public uint Start;
    public uint End;

    public readonly int Length => (int)(End - Start);
}
