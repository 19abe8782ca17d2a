using ManagedKv.Lsm.Util;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Reads the items section of a batch one item at a time, in the grammar of the file's format version (FORMAT.md,
/// "Items"). A ref struct over the bytes: no allocation. Malformed input (bad tag or flags, truncated varint,
/// lengths past the end, entry lengths that do not fit the raw length) is reported, not thrown, so the caller names
/// the file and offset.
/// </summary>
internal ref struct BatchItemReader
{
    private ReadOnlySpan<byte> _rest;
    private readonly bool _compact;
    private bool _first;
    private ulong _previousRegion;

    /// <summary>Reads <paramref name="items"/> written in file format <paramref name="formatVersion"/> (1 to 3).</summary>
    public BatchItemReader(ReadOnlySpan<byte> items, uint formatVersion)
    {
        _rest = items;
        _compact = formatVersion >= 3;
        _first = true;
        _previousRegion = 0;
    }

    public readonly bool AtEnd => _rest.IsEmpty;

    /// <summary>Reads the next item; false with a reason if the bytes are malformed. REQUIRES: !AtEnd.</summary>
    public bool TryRead(ref BatchItem item, out string? error)
    {
        item = default;
        error = null;
        byte head = _rest[0];
        _rest = _rest[1..];
        if (!_compact)
        {
            item.Tag = head;
            if (!TryReadVarint(out item.Region))
            {
                error = "truncated region id";
                return false;
            }
        }
        else
        {
            item.Tag = (byte)(head & BatchFormat.KindMask);
            item.Compression = (byte)((head & BatchFormat.CompressionMask) >> BatchFormat.CompressionShift);
            if ((head & BatchFormat.ReservedMask) != 0)
            {
                error = $"item byte 0x{head:X2} has reserved bits set";
                return false;
            }
            if (item.Compression != 0 && item.Tag != BatchFormat.TagEntries)
            {
                error = $"item byte 0x{head:X2} gives a compression to an item without entries";
                return false;
            }
            if ((head & BatchFormat.SameRegionFlag) != 0)
            {
                if (_first)
                {
                    error = "the first item refers to a previous item's region";
                    return false;
                }
                item.Region = _previousRegion;
            }
            else if (!TryReadVarint(out item.Region))
            {
                error = "truncated region id";
                return false;
            }
        }
        _first = false;
        _previousRegion = item.Region;
        switch (item.Tag)
        {
            case BatchFormat.TagEntries:
                return TryReadEntries(ref item, out error);
            case BatchFormat.TagPutState:
                if (!TryReadBytes(out item.Key) || !TryReadBytes(out item.Value))
                {
                    error = "truncated state key or value";
                    return false;
                }
                return true;
            case BatchFormat.TagDeleteState:
                if (!TryReadBytes(out item.Key))
                {
                    error = "truncated state key";
                    return false;
                }
                return true;
            case BatchFormat.TagCompact:
                if (!TryReadVarint(out item.Index))
                {
                    error = "truncated compact index";
                    return false;
                }
                return true;
            case BatchFormat.TagClean:
                return true;
            default:
                error = $"unknown item tag {item.Tag}";
                return false;
        }
    }

    // Versions 1-2: firstIndex count compression:u8 rawLength blockLength entryLength × count.
    // Version 3: firstIndex count rawLength [blockLength if compressed] entryLength × (count - 1), the last entry
    // taking the rest of rawLength (compression came in the item byte).
    private bool TryReadEntries(ref BatchItem item, out string? error)
    {
        error = "truncated entries item";
        if (!TryReadVarint(out item.Index) || !TryReadVarint(out ulong count))
        {
            return false;
        }
        ulong raw;
        ulong block;
        if (!_compact)
        {
            if (_rest.IsEmpty)
            {
                return false;
            }
            item.Compression = _rest[0];
            _rest = _rest[1..];
            if (!TryReadVarint(out raw) || !TryReadVarint(out block))
            {
                return false;
            }
        }
        else
        {
            if (!TryReadVarint(out raw))
            {
                return false;
            }
            if (item.Compression == BatchFormat.CompressionNone)
            {
                block = raw + BatchFormat.BlockTrailerSize;
            }
            else if (!TryReadVarint(out block))
            {
                return false;
            }
        }
        if (count == 0 || count > int.MaxValue || raw > BatchFormat.MaxBatchSize || block > BatchFormat.MaxBatchSize
            || block < BatchFormat.BlockTrailerSize || item.Index + count < item.Index)
        {
            error = "entries item has a bad count or length";
            return false;
        }
        if (item.Compression > BatchFormat.CompressionLz4)
        {
            error = $"unknown compression type {item.Compression}";
            return false;
        }
        if (item.Compression == BatchFormat.CompressionNone && raw + BatchFormat.BlockTrailerSize != block)
        {
            error = "uncompressed block length does not match its raw length";
            return false;
        }
        item.Count = (int)count;
        item.RawLength = (int)raw;
        item.BlockLength = (int)block;
        ReadOnlySpan<byte> start = _rest;
        int stored = _compact ? item.Count - 1 : item.Count;
        ulong sum = 0;
        for (int i = 0; i < stored; i++)
        {
            if (!TryReadVarint(out ulong length))
            {
                return false;
            }
            if (length > raw - sum)
            {
                error = "entry lengths exceed the block's raw length";
                return false;
            }
            sum += length;
        }
        if (!_compact && sum != raw)
        {
            error = "entry lengths do not sum to the block's raw length";
            return false;
        }
        item.EntryLengths = start[..(start.Length - _rest.Length)];
        error = null;
        return true;
    }

    private bool TryReadVarint(out ulong value)
    {
        int n = Coding.TryReadVarint64(_rest, out value);
        if (n == 0)
        {
            return false;
        }
        _rest = _rest[n..];
        return true;
    }

    private bool TryReadBytes(out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (!TryReadVarint(out ulong length) || length > (ulong)_rest.Length)
        {
            return false;
        }
        bytes = _rest[..(int)length];
        _rest = _rest[(int)length..];
        return true;
    }

    /// <summary>
    /// Decodes an Entries item's entry lengths into cumulative end offsets (<paramref name="ends"/> has one slot per
    /// entry). The last end is the raw length: version 3 does not store the last entry's length, and in versions 1-2
    /// the parser checked that the lengths sum to it.
    /// </summary>
    public static void DecodeEnds(ReadOnlySpan<byte> lengths, Span<uint> ends, int rawLength)
    {
        uint end = 0;
        for (int i = 0; i < ends.Length - 1; i++)
        {
            int n = Coding.TryReadVarint64(lengths, out ulong length);
            lengths = lengths[n..];
            end += (uint)length;
            ends[i] = end;
        }
        ends[^1] = (uint)rawLength;
    }
}
