using System.Buffers;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>Block reads: bounds, checksums, decompression and the block cache.</summary>
internal sealed partial class TableReader
{
    /// <summary>
    /// Returns the uncompressed contents of a data block: from the block cache, or read (and, when
    /// <paramref name="fillCache"/>, inserted). <paramref name="pooled"/> is set when the memory is a pooled array the
    /// caller returns with <see cref="ReturnPooled"/> once done with it.
    /// </summary>
    internal ReadOnlyMemory<byte> ReadDataBlock(BlockHandle handle, bool fillCache, out byte[]? pooled)
    {
        AssertReferenced();
        if (_cache != null && _cache.TryGet(_cacheId, handle.Offset, out ReadOnlyMemory<byte> cached))
        {
            pooled = null;
            return cached;
        }
        return ReadBlockFromFile(handle, insert: fillCache && _cache != null, _options.VerifyChecksums, out pooled);
    }

    /// <summary>An unpinned index or filter block: from the cache, else reread, verified and reinserted.</summary>
    private ReadOnlyMemory<byte> GetCachedMetaBlock(BlockHandle handle, out byte[]? pooled)
    {
        if (_cache!.TryGet(_cacheId, handle.Offset, out ReadOnlyMemory<byte> cached))
        {
            pooled = null;
            return cached;
        }
        return ReadBlockFromFile(handle, insert: true, verify: true, out pooled);
    }

    private ReadOnlyMemory<byte> ReadBlockFromFile(BlockHandle handle, bool insert, bool verify, out byte[]? pooled)
    {
        pooled = null;
        CheckHandle(Path, _limit, handle);
        int size = (int)handle.Size;
        int rawLength = size + TableFormat.BlockTrailerSize;
        long offset = (long)handle.Offset;

        // Memory-mapped: check and use the mapped bytes in place; copy only what goes into the cache.
        if (_file.TryGetMemory(offset, rawLength, out ReadOnlyMemory<byte> mapped))
        {
            ReadOnlySpan<byte> raw = mapped.Span;
            byte type = CheckTrailer(Path, offset, raw, size, verify);
            if (type == (byte)CompressionType.None)
            {
                if (!insert)
                {
                    return mapped[..size];
                }
                byte[] copy = raw[..size].ToArray();
                _cache!.Insert(_cacheId, handle.Offset, copy, size);
                return copy;
            }
            return Decompress(raw[..size], type, offset, handle, insert, out pooled);
        }

        if (insert && !_tableCompressed)
        {
            // Most likely raw: read straight into the array that will be cached (its 5 trailer bytes ride along).
            byte[] block = new byte[rawLength];
            ReadExactly(offset, block);
            byte type = CheckTrailer(Path, offset, block, size, verify);
            if (type == (byte)CompressionType.None)
            {
                _cache!.Insert(_cacheId, handle.Offset, block, size);
                return block.AsMemory(0, size);
            }
            return Decompress(block.AsSpan(0, size), type, offset, handle, insert, out pooled);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(rawLength);
        bool keep = false;
        try
        {
            ReadExactly(offset, buffer.AsSpan(0, rawLength));
            byte type = CheckTrailer(Path, offset, buffer, size, verify);
            if (type == (byte)CompressionType.None)
            {
                if (insert)
                {
                    byte[] copy = buffer.AsSpan(0, size).ToArray();
                    _cache!.Insert(_cacheId, handle.Offset, copy, size);
                    return copy;
                }
                keep = true;
                pooled = buffer;
                return buffer.AsMemory(0, size);
            }
            return Decompress(buffer.AsSpan(0, size), type, offset, handle, insert, out pooled);
        }
        finally
        {
            if (!keep)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private ReadOnlyMemory<byte> Decompress(ReadOnlySpan<byte> payload, byte type, long offset, BlockHandle handle, bool insert, out byte[]? pooled)
    {
        pooled = null;
        int length = BlockCompression.UncompressedLength(payload);
        if (length < 0 || length > 1024 * 1024 * 1024)
        {
            ThrowHelper.ThrowCorruption(Path, offset, $"bad uncompressed length {length} of a compressed block");
        }
        byte[] output = insert ? new byte[length] : ArrayPool<byte>.Shared.Rent(length);
        if (!BlockCompression.TryDecompress((CompressionType)type, payload, output.AsSpan(0, length)))
        {
            if (!insert)
            {
                ArrayPool<byte>.Shared.Return(output);
            }
            ThrowHelper.ThrowCorruption(Path, offset, $"cannot decompress {BlockCompression.NameOf((CompressionType)type)} block");
        }
        if (insert)
        {
            _cache!.Insert(_cacheId, handle.Offset, output, length);
        }
        else
        {
            pooled = output;
        }
        return output.AsMemory(0, length);
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
