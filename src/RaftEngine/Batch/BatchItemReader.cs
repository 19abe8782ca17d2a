using ManagedKv.Lsm.Util;

namespace ManagedKv.RaftEngine;

/// <summary>
/// Reads the items section of a batch one item at a time (grammar in FORMAT.md, "Items"). A ref struct over the
/// bytes: no allocation. Malformed input (bad tag, truncated varint, lengths past the end, entry lengths that do
/// not sum to the raw length) is reported, not thrown, so the caller names the file and offset.
/// </summary>
internal ref struct BatchItemReader
{
    private ReadOnlySpan<byte> _rest;

    public BatchItemReader(ReadOnlySpan<byte> items) => _rest = items;

    public readonly bool AtEnd => _rest.IsEmpty;

    /// <summary>Reads the next item; false with a reason if the bytes are malformed. REQUIRES: !AtEnd.</summary>
    public bool TryRead(ref BatchItem item, out string? error)
    {
        item = default;
        error = null;
        item.Tag = _rest[0];
        _rest = _rest[1..];
        if (!TryReadVarint(out item.Region))
        {
            error = "truncated region id";
            return false;
        }
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

    private bool TryReadEntries(ref BatchItem item, out string? error)
    {
        error = "truncated entries item";
        if (!TryReadVarint(out item.Index) || !TryReadVarint(out ulong count) || _rest.IsEmpty)
        {
            return false;
        }
        item.Compression = _rest[0];
        _rest = _rest[1..];
        if (!TryReadVarint(out ulong raw) || !TryReadVarint(out ulong block))
        {
            return false;
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
        ulong sum = 0;
        for (int i = 0; i < item.Count; i++)
        {
            if (!TryReadVarint(out ulong length))
            {
                return false;
            }
            sum += length;
        }
        if (sum != raw)
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

    /// <summary>Decodes the varint entry lengths of an entries item into cumulative end offsets.</summary>
    public static void DecodeEnds(ReadOnlySpan<byte> lengths, Span<uint> ends)
    {
        uint end = 0;
        for (int i = 0; i < ends.Length; i++)
        {
            int n = Coding.TryReadVarint64(lengths, out ulong length);
            lengths = lengths[n..];
            end += (uint)length;
            ends[i] = end;
        }
    }
}
