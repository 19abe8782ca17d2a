using System.Runtime.InteropServices;

namespace ManagedKv.RaftEngine;

/// <summary>
/// A run of consecutive entries of one region that share one entry block: the block's handle (file, offset,
/// length) and compression, and where the run's first entry starts inside the decompressed block. The run ends
/// where the next run starts (or at the region's last index); each entry's end offset lives in the region's
/// <c>uint</c> array, so an entry costs 4 bytes of index plus its share of a 32-byte run.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct EntryRun
{
    public ulong FirstIndex;
    public uint FileSeq;
    public uint BlockOffset;
    public int BlockLength;
    public int RawLength;
    public uint FirstStart;
    public byte Compression;

    public readonly FileBlockHandle Handle => new(FileSeq, BlockOffset, BlockLength);
}
