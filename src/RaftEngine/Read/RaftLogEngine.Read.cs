using System.Buffers;
using System.Buffers.Binary;
using K4os.Compression.LZ4;

namespace ManagedKv.RaftEngine;

// The read path: locate under the region's lock, then read and verify whole entry blocks without it.
public sealed partial class RaftLogEngine
{
    // A location can point at a file that purge deleted after the lookup (purge moves the data first); the lookup
    // is then repeated. More attempts than this means the index points at a file that is gone: a bug.
    private const int MaxReadAttempts = 8;

    /// <summary>Entry <paramref name="index"/> of <paramref name="region"/>, or null if it is not in the log.</summary>
    public byte[]? GetEntry(ulong region, ulong index)
    {
        ThrowIfDisposed();
        for (int attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            if (!_index.TryGet(region, out RegionIndex? regionIndex))
            {
                return null;
            }
            EntryLocation location;
            lock (regionIndex.Sync)
            {
                if (!regionIndex.TryLocate(index, out location))
                {
                    return null;
                }
            }
            byte[]? block = TryReadBlock(location);
            if (block != null)
            {
                return block.AsSpan((int)location.Start, location.Length).ToArray();
            }
        }
        ThrowHelper.ThrowInvalidOperation($"Entry {index} of region {region} keeps pointing at purged files.");
        return null;
    }

    /// <summary>
    /// Appends entries <paramref name="begin"/> (inclusive) to <paramref name="end"/> (exclusive) of
    /// <paramref name="region"/> to <paramref name="into"/>, stopping before the total size passes
    /// <paramref name="maxBytes"/> (at least one entry is returned); returns how many were appended. The range must
    /// be in the log: FirstIndex &lt;= begin &lt;= end &lt;= LastIndex + 1, else <see cref="ArgumentOutOfRangeException"/>
    /// (callers check <see cref="FirstIndex"/> and <see cref="LastIndex"/>, as a Raft storage does).
    /// </summary>
    public int FetchEntries(ulong region, ulong begin, ulong end, long maxBytes, List<byte[]> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        ThrowIfDisposed();
        if (begin > end)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(begin), $"begin {begin} is after end {end}.");
        }
        if (begin == end)
        {
            return 0;
        }
        for (int attempt = 0; attempt < MaxReadAttempts; attempt++)
        {
            if (!_index.TryGet(region, out RegionIndex? regionIndex))
            {
                ThrowHelper.ThrowArgumentOutOfRange(nameof(region), $"Region {region} has no entries.");
            }
            EntryLocation[] locations;
            int count;
            lock (regionIndex.Sync)
            {
                if (regionIndex.Count == 0 || begin < regionIndex.First || end > regionIndex.Last + 1)
                {
                    string range = regionIndex.Count == 0 ? "none" : $"[{regionIndex.First}, {regionIndex.Last}]";
                    ThrowHelper.ThrowArgumentOutOfRange(nameof(begin), $"Entries [{begin}, {end}) of region {region} are not all in the log (it holds {range}).");
                }
                count = regionIndex.CountWithin(begin, end, maxBytes);
                locations = ArrayPool<EntryLocation>.Shared.Rent(count);
                regionIndex.Collect(begin, locations.AsSpan(0, count));
            }
            try
            {
                if (ReadEntries(locations.AsSpan(0, count), into))
                {
                    return count;
                }
            }
            finally
            {
                ArrayPool<EntryLocation>.Shared.Return(locations);
            }
        }
        ThrowHelper.ThrowInvalidOperation($"Entries [{begin}, {end}) of region {region} keep pointing at purged files.");
        return 0;
    }

    /// <summary>The first index of <paramref name="region"/>'s log, or null if it holds no entries.</summary>
    public ulong? FirstIndex(ulong region)
    {
        ThrowIfDisposed();
        if (_index.TryGet(region, out RegionIndex? regionIndex))
        {
            lock (regionIndex.Sync)
            {
                return regionIndex.Count == 0 ? null : regionIndex.First;
            }
        }
        return null;
    }

    /// <summary>The last index of <paramref name="region"/>'s log, or null if it holds no entries.</summary>
    public ulong? LastIndex(ulong region)
    {
        ThrowIfDisposed();
        if (_index.TryGet(region, out RegionIndex? regionIndex))
        {
            lock (regionIndex.Sync)
            {
                return regionIndex.Count == 0 ? null : regionIndex.Last;
            }
        }
        return null;
    }

    /// <summary>A copy of state <paramref name="key"/> of <paramref name="region"/>, or null if absent.</summary>
    public byte[]? GetState(ulong region, ReadOnlySpan<byte> key)
    {
        ThrowIfDisposed();
        if (_index.TryGet(region, out RegionIndex? regionIndex))
        {
            lock (regionIndex.Sync)
            {
                return regionIndex.GetState(key);
            }
        }
        return null;
    }

    // Reads the entries at `locations` into `into`; false (with `into` unchanged) if a file was purged meanwhile.
    private bool ReadEntries(ReadOnlySpan<EntryLocation> locations, List<byte[]> into)
    {
        int added = 0;
        byte[]? block = null;
        FileBlockHandle current = default;
        for (int i = 0; i < locations.Length; i++)
        {
            ref readonly EntryLocation location = ref locations[i];
            if (block == null || location.Block != current)
            {
                block = TryReadBlock(location);
                current = location.Block;
                if (block == null)
                {
                    into.RemoveRange(into.Count - added, added);
                    return false;
                }
            }
            into.Add(block.AsSpan((int)location.Start, location.Length).ToArray());
            added++;
        }
        return true;
    }

    /// <summary>
    /// The verified, decompressed bytes of the entry block at <paramref name="location"/> (at least RawLength long),
    /// from the cache or the file; null if the file has been purged.
    /// </summary>
    private byte[]? TryReadBlock(in EntryLocation location)
    {
        FileBlockHandle handle = location.Block;
        byte[]? cached = _cache.TryGet(handle.FileSeq, handle.Offset);
        if (cached != null)
        {
            return cached;
        }
        LogFile? file = _pipe.TryAcquire(handle.FileSeq);
        if (file == null)
        {
            return null;
        }
        byte[] content;
        try
        {
            int stored = handle.Length - BatchFormat.BlockTrailerSize;
            if (location.Compression == BatchFormat.CompressionNone)
            {
                content = new byte[handle.Length];
                file.ReadExactly(handle.Offset, content);
                VerifyBlock(file, handle, location.Compression, content);
            }
            else
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(handle.Length);
                try
                {
                    Span<byte> block = buffer.AsSpan(0, handle.Length);
                    file.ReadExactly(handle.Offset, block);
                    VerifyBlock(file, handle, location.Compression, block);
                    content = new byte[location.RawLength];
                    int decoded = LZ4Codec.Decode(block[..stored], content);
                    if (decoded != location.RawLength)
                    {
                        ThrowHelper.ThrowCorruption(file.Path, handle.Offset, $"LZ4 block decoded to {decoded} bytes, expected {location.RawLength}");
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            file.Release();
        }
        _cache.Insert(handle.FileSeq, handle.Offset, content);
        return content;
    }

    private static void VerifyBlock(LogFile file, FileBlockHandle handle, byte compression, ReadOnlySpan<byte> block)
    {
        int stored = block.Length - BatchFormat.BlockTrailerSize;
        if (Checksum.Compute(block[..stored], compression) != BinaryPrimitives.ReadUInt32LittleEndian(block[stored..]))
        {
            ThrowHelper.ThrowCorruption(file.Path, handle.Offset, "entry block checksum mismatch");
        }
    }
}
