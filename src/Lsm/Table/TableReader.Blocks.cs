using System.Buffers;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Block reads: bounds, checksums, decompression and the block cache. A block comes back as
/// <see cref="BlockContents"/> the caller releases: a block cache reference (blocks read with fillCache go into the
/// cache, in native memory), the mapped file itself, or the caller's scratch array (reads that do not fill the cache).
/// The mapping serves only fillCache reads of tables written without compression: their blocks are checked and used
/// in place, never copied or cached (the page cache is their cache), as far as the block cache's mapped-page budget
/// (<see cref="BlockCache.MappedLimit"/>) admits their stretch of the file; other blocks go through the block cache
/// with pread. Compressed tables are read with pread: a mapped
/// compressed page would stay in the process's RSS beside its decompressed copy in the block cache (+46 MiB, 1.46x
/// RocksDB's peak RSS, on a 1M-key readrandom). Reads that do not fill the cache (compaction inputs, bulk scans) use
/// pread too, so they do not pull whole files into the RSS.
/// </summary>
internal sealed unsafe partial class TableReader
{
    /// <summary>
    /// Returns the uncompressed contents of a data block: from the block cache, or read (and, when
    /// <paramref name="fillCache"/>, inserted). When the block is neither cached nor mapped, it is read into
    /// <paramref name="scratch"/> (grown as needed; the caller owns it and keeps it until the contents are released).
    /// The caller calls <see cref="BlockContents.Release"/> when done with it. An iterator passes its
    /// <paramref name="readahead"/>: blocks read from the file (not used in place) then come from readahead windows
    /// while the iterator moves sequentially.
    /// </summary>
    internal BlockContents ReadDataBlock(BlockHandle handle, bool fillCache, ref byte[]? scratch, BlockReadahead? readahead = null)
    {
        AssertReferenced();
        // The data blocks of a mapped table without compression are used in place and never cached: no lookup,
        // unless the mapped-page budget refused the block's stretch of the file (then it goes through the cache).
        bool inPlace = fillCache && _dataBlocksInPlace;
        if (inPlace)
        {
            CheckHandle(Path, _limit, handle);
            int rawLength = (int)handle.Size + TableFormat.BlockTrailerSize;
            if (_file.TryGetPointer((long)handle.Offset, rawLength, out byte* pointer))
            {
                return MappedBlock(handle, pointer, _options.VerifyChecksums, insert: _cache != null, ref scratch);
            }
        }
        if (_cache != null)
        {
            BlockCacheEntry? cached = _cache.Lookup(_cacheId, handle.Offset);
            if (cached != null)
            {
                _options.Statistics?.Record(Ticker.BlockCacheDataHit);
                return BlockContents.FromCache(cached);
            }
            _options.Statistics?.Record(Ticker.BlockCacheDataMiss);
        }
        return ReadBlockFromFile(handle, insert: fillCache && _cache != null, mapped: fillCache && !inPlace, _options.VerifyChecksums, ref scratch, readahead);
    }

    /// <summary>An unpinned index or filter block: from the cache, else reread, verified and reinserted.</summary>
    private BlockContents GetCachedMetaBlock(BlockHandle handle, Ticker hit, Ticker miss)
    {
        BlockCacheEntry? cached = _cache!.Lookup(_cacheId, handle.Offset);
        if (cached != null)
        {
            _options.Statistics?.Record(hit);
            return BlockContents.FromCache(cached);
        }
        _options.Statistics?.Record(miss);
        byte[]? unused = null;
        return ReadBlockFromFile(handle, insert: true, mapped: true, verify: true, ref unused);
    }

    private BlockContents ReadBlockFromFile(BlockHandle handle, bool insert, bool mapped, bool verify, ref byte[]? scratch,
        BlockReadahead? readahead = null)
    {
        CheckHandle(Path, _limit, handle);
        int size = (int)handle.Size;
        int rawLength = size + TableFormat.BlockTrailerSize;
        long offset = (long)handle.Offset;

        // Memory-mapped: check the mapped bytes and use them in place (their checksum once per reader).
        if (mapped && !_tableCompressed && _file.TryGetPointer(offset, rawLength, out byte* pointer))
        {
            return MappedBlock(handle, pointer, verify, insert, ref scratch);
        }

        if (insert && !_tableCompressed)
        {
            // Most likely raw: read straight into the native block that will be cached (its 5 trailer bytes ride along).
            byte* block = BlockCache.AllocateBlock(rawLength);
            bool owned = true;
            try
            {
                var raw = new Span<byte>(block, rawLength);
                ReadRaw(offset, raw, readahead);
                byte type = CheckTrailer(Path, offset, raw, size, verify);
                if (type != (byte)CompressionType.None)
                {
                    return Decompress(raw[..size], type, handle, insert, ref scratch);
                }
                owned = false;
                return BlockContents.FromCache(_cache!.Insert(_cacheId, handle.Offset, block, size, rawLength));
            }
            finally
            {
                if (owned)
                {
                    BlockCache.FreeBlock(block);
                }
            }
        }

        if (!insert && !_tableCompressed)
        {
            // Most likely raw and not cached: read into the caller's scratch and use it there.
            byte[] buffer = EnsureScratch(ref scratch, rawLength);
            ReadRaw(offset, buffer.AsSpan(0, rawLength), readahead);
            byte type = CheckTrailer(Path, offset, buffer, size, verify);
            if (type == (byte)CompressionType.None)
            {
                return BlockContents.FromArray(buffer, 0, size);
            }
            // A compressed block in a table written without a codec: move the payload out of the scratch first.
            byte[] payload = ArrayPool<byte>.Shared.Rent(size);
            try
            {
                buffer.AsSpan(0, size).CopyTo(payload);
                return Decompress(payload.AsSpan(0, size), type, handle, insert, ref scratch);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(payload);
            }
        }

        byte[]? rented = null;
        try
        {
            if (readahead == null || !readahead.TryRead(_file, _limit, offset, rawLength, out ReadOnlySpan<byte> raw))
            {
                rented = ArrayPool<byte>.Shared.Rent(rawLength);
                ReadExactly(offset, rented.AsSpan(0, rawLength));
                raw = rented.AsSpan(0, rawLength);
            }
            byte type = CheckTrailer(Path, offset, raw, size, verify);
            if (type != (byte)CompressionType.None)
            {
                return Decompress(raw[..size], type, handle, insert, ref scratch);
            }
            if (insert)
            {
                byte* block = BlockCache.AllocateBlock(size);
                raw[..size].CopyTo(new Span<byte>(block, size));
                return BlockContents.FromCache(_cache!.Insert(_cacheId, handle.Offset, block, size, size));
            }
            byte[] buffer = EnsureScratch(ref scratch, size);
            raw[..size].CopyTo(buffer);
            return BlockContents.FromArray(buffer, 0, size);
        }
        finally
        {
            if (rented != null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // A block used in place in the mapping: its trailer checked (the checksum once per reader), decompressed only if
    // a writer compressed this block of an otherwise uncompressed table. REQUIRES: the handle was checked.
    private BlockContents MappedBlock(BlockHandle handle, byte* pointer, bool verify, bool insert, ref byte[]? scratch)
    {
        int size = (int)handle.Size;
        long offset = (long)handle.Offset;
        var raw = new ReadOnlySpan<byte>(pointer, size + TableFormat.BlockTrailerSize);
        bool check = verify && !MappedBlockVerified(handle);
        byte type = CheckTrailer(Path, offset, raw, size, check);
        if (check)
        {
            RememberMappedBlockVerified(handle);
        }
        if (type == (byte)CompressionType.None)
        {
            return BlockContents.FromNative(pointer, size, null);
        }
        return Decompress(raw[..size], type, handle, insert, ref scratch);
    }

    // A block's raw bytes from the iterator's readahead window when its reads run sequentially, else with one pread.
    private void ReadRaw(long offset, Span<byte> destination, BlockReadahead? readahead)
    {
        if (readahead != null && readahead.TryRead(_file, _limit, offset, destination.Length, out ReadOnlySpan<byte> window))
        {
            window.CopyTo(destination);
        }
        else
        {
            ReadExactly(offset, destination);
        }
    }

    /// <summary>
    /// Decompresses a block payload into a new cached native block (<paramref name="insert"/>) or into
    /// <paramref name="scratch"/>. REQUIRES: <paramref name="payload"/> does not overlap the scratch.
    /// </summary>
    private BlockContents Decompress(ReadOnlySpan<byte> payload, byte type, BlockHandle handle, bool insert, ref byte[]? scratch)
    {
        long offset = (long)handle.Offset;
        int length = BlockCompression.UncompressedLength(payload);
        if (length < 0 || length > 1024 * 1024 * 1024)
        {
            ThrowHelper.ThrowCorruption(Path, offset, $"bad uncompressed length {length} of a compressed block");
        }
        if (!insert)
        {
            byte[] buffer = EnsureScratch(ref scratch, length);
            if (!BlockCompression.TryDecompress((CompressionType)type, payload, buffer.AsSpan(0, length)))
            {
                ThrowHelper.ThrowCorruption(Path, offset, $"cannot decompress {BlockCompression.NameOf((CompressionType)type)} block");
            }
            return BlockContents.FromArray(buffer, 0, length);
        }
        byte* block = BlockCache.AllocateBlock(length);
        if (!BlockCompression.TryDecompress((CompressionType)type, payload, new Span<byte>(block, length)))
        {
            BlockCache.FreeBlock(block);
            ThrowHelper.ThrowCorruption(Path, offset, $"cannot decompress {BlockCompression.NameOf((CompressionType)type)} block");
        }
        return BlockContents.FromCache(_cache!.Insert(_cacheId, handle.Offset, block, length, length));
    }

    /// <summary>
    /// Mapped blocks are not copied into the block cache, so without this every access would hash the block again (a
    /// seek touching an L0 file paid for a 4 KiB checksum each time). A lock-free, two-way set-associative table of the
    /// exact handles (offset and size packed in one word; handles too large to pack are always verified) whose
    /// checksum matched: a slot holds 0 or a verified handle's tag + 1, read and written atomically, so a hit is always
    /// exact. Two slots per data block (at most 64K slots, 512 KiB), allocated with a reader whose blocks are used in
    /// place and counted in <see cref="MemoryUsage"/>; null for other readers.
    /// </summary>
    private readonly ulong[]? _verifiedMapped;

    private static ulong[] NewVerifiedMappedTable(ulong dataBlocks) =>
        new ulong[(int)Math.Min(65536UL, System.Numerics.BitOperations.RoundUpToPowerOf2(2 * Math.Max(32UL, dataBlocks)))];

    private const int VerifiedTagSizeBits = 24;

    private static bool TryTag(BlockHandle handle, out ulong tag)
    {
        tag = (handle.Offset << VerifiedTagSizeBits) | handle.Size;
        return handle.Offset < (1UL << (63 - VerifiedTagSizeBits)) && handle.Size < (1UL << VerifiedTagSizeBits);
    }

    /// <summary>The first slot of the tag's two-slot set.</summary>
    private static int Set(ulong tag, int length) => (int)((tag * 0x9E3779B97F4A7C15UL) >> 32) & (length - 2);

    private bool MappedBlockVerified(BlockHandle handle)
    {
        ulong[]? table = _verifiedMapped;
        if (table == null || !TryTag(handle, out ulong tag))
        {
            return false;
        }
        int set = Set(tag, table.Length);
        return Volatile.Read(ref table[set]) == tag + 1 || Volatile.Read(ref table[set + 1]) == tag + 1;
    }

    private void RememberMappedBlockVerified(BlockHandle handle)
    {
        ulong[]? table = _verifiedMapped;
        if (table == null || !TryTag(handle, out ulong tag))
        {
            return;
        }
        // Fill an empty slot of the set, else replace the one the tag's low bit picks (a cheap pseudo-random choice).
        int set = Set(tag, table.Length);
        int slot = Volatile.Read(ref table[set]) == 0 ? set : Volatile.Read(ref table[set + 1]) == 0 ? set + 1 : set + (int)((tag >> VerifiedTagSizeBits >> 6) & 1);
        Volatile.Write(ref table[slot], tag + 1);
    }

    private static byte[] EnsureScratch(ref byte[]? scratch, int length)
    {
        if (scratch == null || scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, Math.Min(2 * (scratch?.Length ?? 0), int.MaxValue / 2))];
        }
        return scratch;
    }

    private void ReadExactly(long offset, Span<byte> destination)
    {
        if (_file.Read(offset, destination) != destination.Length)
        {
            ThrowHelper.ThrowCorruption(Path, offset, "short read: block extends past the end of the file");
        }
    }

    /// <summary>Reads a meta block (always verified) into a new array of its uncompressed contents.</summary>
    private static byte[] ReadMetaBlock(IRandomAccessFile file, string path, long limit, BlockHandle handle)
    {
        CheckHandle(path, limit, handle);
        int size = (int)handle.Size;
        long offset = (long)handle.Offset;
        byte[] raw = new byte[size + TableFormat.BlockTrailerSize];
        if (file.Read(offset, raw) != raw.Length)
        {
            ThrowHelper.ThrowCorruption(path, offset, "short read: block extends past the end of the file");
        }
        byte type = CheckTrailer(path, offset, raw, size, verify: true);
        if (type == (byte)CompressionType.None)
        {
            return raw.AsSpan(0, size).ToArray();
        }
        int length = BlockCompression.UncompressedLength(raw.AsSpan(0, size));
        if (length < 0 || length > 1024 * 1024 * 1024)
        {
            ThrowHelper.ThrowCorruption(path, offset, $"bad uncompressed length {length} of a compressed block");
        }
        byte[] output = new byte[length];
        if (!BlockCompression.TryDecompress((CompressionType)type, raw.AsSpan(0, size), output))
        {
            ThrowHelper.ThrowCorruption(path, offset, "cannot decompress meta block");
        }
        return output;
    }

    private static void CheckHandle(string path, long limit, BlockHandle handle)
    {
        if (handle.Size > int.MaxValue - TableFormat.BlockTrailerSize || handle.Offset > (ulong)limit ||
            handle.Size + TableFormat.BlockTrailerSize > (ulong)limit - handle.Offset)
        {
            ThrowHelper.ThrowCorruption(path, (long)Math.Min(handle.Offset, long.MaxValue), $"block handle {handle} is outside the file's blocks (which end at {limit})");
        }
    }

    /// <summary>Checks the compression type and (when <paramref name="verify"/>) the checksum; returns the type.</summary>
    private static byte CheckTrailer(string path, long offset, ReadOnlySpan<byte> raw, int size, bool verify)
    {
        byte type = raw[size];
        if (verify)
        {
            uint stored = Coding.ReadFixed32(raw[(size + 1)..]);
            uint actual = Checksum.Compute(raw[..size], type);
            if (stored != actual)
            {
                ThrowHelper.ThrowCorruption(path, offset, $"block checksum mismatch (stored 0x{stored:x8}, computed 0x{actual:x8})");
            }
        }
        if (!BlockCompression.IsKnown(type))
        {
            ThrowHelper.ThrowCorruption(path, offset, $"unknown block compression type {type}");
        }
        return type;
    }
}
