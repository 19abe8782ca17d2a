namespace ManagedKv.Lsm.Wal;

/// <summary>
/// Constants of the WAL file format (FORMAT-WAL.md): the file is a sequence of 32 KiB blocks, each holding
/// physical records "checksum (fixed32) | length (fixed16) | type (byte) | payload"; a record never crosses a
/// block boundary, a block tail shorter than a header is zero-filled.
/// </summary>
internal static class WalFormat
{
    /// <summary>On-disk: the block size. Never change without a new format version.</summary>
    public const int BlockSize = 32 * 1024;

    /// <summary>Physical record header: checksum (4) + length (2) + type (1).</summary>
    public const int HeaderSize = 7;

    /// <summary>The largest fragment a block can carry.</summary>
    public const int MaxFragmentLength = BlockSize - HeaderSize;

    /// <summary>Computes the checksum of one physical record: xxh3-low32 of the fragment, seeded with its type byte.</summary>
    public static uint ChecksumOf(WalRecordType type, ReadOnlySpan<byte> fragment) => Util.Checksum.Compute(fragment, (byte)type);

    /// <summary>An upper bound on the physical bytes one logical record of <paramref name="payloadLength"/> bytes occupies.</summary>
    public static long MaxPhysicalLength(int payloadLength) =>
        payloadLength + ((long)payloadLength / MaxFragmentLength + 2) * HeaderSize + HeaderSize;
}
