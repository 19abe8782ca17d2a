using System.Buffers.Binary;
using K4os.Compression.LZ4;
using ManagedKv.Lsm.Util;

namespace ManagedKv.RaftEngine;

/// <summary>
/// A set of changes to the Raft logs and states of any number of regions, written atomically by
/// <see cref="RaftLogEngine.Write"/>: entries appended, state keys put or deleted, logs compacted, regions cleaned.
/// Items apply in the order they were added. The batch copies every byte it is given, so callers may reuse their
/// buffers at once; a batch can be reused after <see cref="Clear"/>.
/// </summary>
/// <remarks>
/// Not thread-safe: one thread fills a batch and hands it to <see cref="RaftLogEngine.Write"/>; it must not be
/// changed while the write runs. Encoding (FORMAT.md, "Batch") happens on the writer's own thread before it joins
/// the write group, so the group leader only fills headers (for a group of several batches, one header over their
/// items sections copied back to back: FORMAT.md) and issues one write.
/// </remarks>
public sealed class LogBatch
{
    private struct Op
    {
        public byte Tag;
        public ulong Region;
        public ulong Index;
        public int Offset;   // entries: offset in _blocks; states: offset in _kv
        public int Length;   // entries: raw bytes; states: key length
        public int Count;    // entries: entry count; put: value length
        public int LengthsStart;
    }

    private Op[] _ops = new Op[4];
    private int _opCount;

    // Raw entry blocks, each followed by BlockTrailerSize bytes reserved for its checksum.
    private readonly GrowableBuffer _blocks = new(0);
    private readonly GrowableBuffer _kv = new(0);
    private int[] _lengths = new int[16];
    private int _lengthCount;

    // Encoded form, built by Finish: header space + items, and the data section when some block is compressed.
    private readonly GrowableBuffer _head = new(64);
    private readonly GrowableBuffer _compressed = new(0);
    private bool _finished;
    private bool _usesCompressed;
    private bool _anyCompressed;
    private int _finishedThreshold;
    private int _headerLength;
    private long _entryBytes;

    /// <summary>True when the batch holds no items.</summary>
    public bool IsEmpty => _opCount == 0;

    /// <summary>Number of items (entry runs, state changes, compactions, cleans) in the batch.</summary>
    public int ItemCount => _opCount;

    /// <summary>Total bytes of entry payload added to the batch.</summary>
    public long EntryBytes => _entryBytes;

    /// <summary>Approximate encoded size in bytes before compression.</summary>
    public long ApproximateSize => BatchFormat.MaxHeaderSize + _blocks.Length + _kv.Length + (_opCount * 8L) + _lengthCount;

    /// <summary>
    /// Appends <paramref name="entries"/> to <paramref name="region"/>'s log at indices <paramref name="firstIndex"/>,
    /// <paramref name="firstIndex"/>+1, …. When applied, entries at or above <paramref name="firstIndex"/> already in the
    /// log are replaced (Raft's conflicting suffix is truncated); if <paramref name="firstIndex"/> is past the log's last
    /// index + 1, the region's older entries are dropped (as when a snapshot is installed). An empty list adds nothing.
    /// </summary>
    public void AddEntries(ulong region, ulong firstIndex, IReadOnlyList<ReadOnlyMemory<byte>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        int count = entries.Count;
        if (count == 0)
        {
            return;
        }
        if (firstIndex + (ulong)count < firstIndex)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(firstIndex), $"Entries {firstIndex}+{count} overflow the index space.");
        }
        _finished = false;
        int offset = _blocks.Length;
        int lengthsStart = _lengthCount;
        if (_lengths.Length - _lengthCount < count)
        {
            Array.Resize(ref _lengths, Math.Max(_lengths.Length * 2, _lengthCount + count));
        }
        long raw = 0;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = entries[i].Span;
            _blocks.Write(entry);
            _lengths[_lengthCount++] = entry.Length;
            raw += entry.Length;
        }
        if (raw > BatchFormat.MaxBatchSize)
        {
            ThrowHelper.ThrowArgument($"Entries of region {region} total {raw} bytes, above the {BatchFormat.MaxBatchSize}-byte batch limit.");
        }
        _blocks.GetSpan(BatchFormat.BlockTrailerSize);
        _blocks.Advance(BatchFormat.BlockTrailerSize);
        _entryBytes += raw;
        ref Op op = ref NewOp(BatchFormat.TagEntries, region);
        op.Index = firstIndex;
        op.Offset = offset;
        op.Length = (int)raw;
        op.Count = count;
        op.LengthsStart = lengthsStart;
    }

    /// <summary>Sets state <paramref name="key"/> of <paramref name="region"/> to <paramref name="value"/>.</summary>
    public void PutState(ulong region, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        _finished = false;
        int offset = _kv.Length;
        _kv.Write(key);
        _kv.Write(value);
        ref Op op = ref NewOp(BatchFormat.TagPutState, region);
        op.Offset = offset;
        op.Length = key.Length;
        op.Count = value.Length;
    }

    /// <summary>Removes state <paramref name="key"/> of <paramref name="region"/>; nothing happens if it is absent.</summary>
    public void DeleteState(ulong region, ReadOnlySpan<byte> key)
    {
        _finished = false;
        int offset = _kv.Length;
        _kv.Write(key);
        ref Op op = ref NewOp(BatchFormat.TagDeleteState, region);
        op.Offset = offset;
        op.Length = key.Length;
    }

    /// <summary>Drops <paramref name="region"/>'s entries with index below <paramref name="compactTo"/>.</summary>
    public void Compact(ulong region, ulong compactTo)
    {
        _finished = false;
        ref Op op = ref NewOp(BatchFormat.TagCompact, region);
        op.Index = compactTo;
    }

    /// <summary>Removes <paramref name="region"/> entirely: all its entries and states.</summary>
    public void Clean(ulong region)
    {
        _finished = false;
        NewOp(BatchFormat.TagClean, region);
    }

    /// <summary>Empties the batch for reuse, keeping its buffers.</summary>
    public void Clear()
    {
        _opCount = 0;
        _blocks.Clear();
        _kv.Clear();
        _lengthCount = 0;
        _entryBytes = 0;
        _finished = false;
    }

    private ref Op NewOp(byte tag, ulong region)
    {
        if (_opCount == _ops.Length)
        {
            Array.Resize(ref _ops, _ops.Length * 2);
        }
        ref Op op = ref _ops[_opCount++];
        op = default;
        op.Tag = tag;
        op.Region = region;
        return ref op;
    }

    // ---- Encoding (FORMAT.md, "Batch", version 3) ------------------------------------------------------------

    /// <summary>Bytes of the items section after <see cref="Finish"/>.</summary>
    internal int ItemsLength => _head.Length - BatchFormat.MaxHeaderSize;

    /// <summary>Bytes of the batch header after <see cref="Finish"/> (it depends on the section lengths).</summary>
    internal int HeaderLength => _headerLength;

    /// <summary>The header (lengths filled by <see cref="Finish"/>, checksum by <see cref="SealHeader(ulong)"/>) followed by the items section.</summary>
    internal ReadOnlyMemory<byte> HeadMemory => _head.WrittenMemory[(BatchFormat.MaxHeaderSize - _headerLength)..];

    /// <summary>The items section.</summary>
    internal ReadOnlySpan<byte> Items => _head.WrittenSpan[BatchFormat.MaxHeaderSize..];

    /// <summary>The data section: entry blocks with their checksum trailers.</summary>
    internal ReadOnlyMemory<byte> DataMemory => _usesCompressed ? _compressed.WrittenMemory : _blocks.WrittenMemory;

    /// <summary>Bytes of the items and data sections: what the batch adds to a merged batch of its write group.</summary>
    internal int BodyLength => ItemsLength + DataMemory.Length;

    /// <summary>Total encoded size: header, items and data.</summary>
    internal int EncodedLength => _headerLength + BodyLength;

    /// <summary>
    /// Encodes the items section and the data section, and the header's lengths. Blocks whose raw size is at least
    /// <paramref name="compressionThreshold"/> are LZ4-compressed when that saves space (0 disables compression).
    /// Idempotent until the batch changes.
    /// </summary>
    internal void Finish(int compressionThreshold)
    {
        if (_finished && _finishedThreshold == compressionThreshold)
        {
            return;
        }
        _head.Clear();
        _head.GetSpan(BatchFormat.MaxHeaderSize);
        _head.Advance(BatchFormat.MaxHeaderSize);
        _usesCompressed = false;
        if (compressionThreshold > 0)
        {
            for (int i = 0; i < _opCount; i++)
            {
                if (_ops[i].Tag == BatchFormat.TagEntries && _ops[i].Length >= compressionThreshold)
                {
                    _usesCompressed = true;
                    break;
                }
            }
        }
        _compressed.Clear();
        _anyCompressed = false;
        for (int i = 0; i < _opCount; i++)
        {
            ref Op op = ref _ops[i];
            // A batch's first item always names its region, so batches can be concatenated (merged write groups).
            bool sameRegion = i > 0 && _ops[i - 1].Region == op.Region;
            if (op.Tag == BatchFormat.TagEntries)
            {
                EncodeEntries(ref op, compressionThreshold, sameRegion);
                continue;
            }
            WriteItemStart(op.Tag, op.Region, sameRegion);
            switch (op.Tag)
            {
                case BatchFormat.TagPutState:
                    _head.WriteVarint((ulong)op.Length);
                    _head.Write(_kv.Array.AsSpan(op.Offset, op.Length));
                    _head.WriteVarint((ulong)op.Count);
                    _head.Write(_kv.Array.AsSpan(op.Offset + op.Length, op.Count));
                    break;
                case BatchFormat.TagDeleteState:
                    _head.WriteVarint((ulong)op.Length);
                    _head.Write(_kv.Array.AsSpan(op.Offset, op.Length));
                    break;
                case BatchFormat.TagCompact:
                    _head.WriteVarint(op.Index);
                    break;
                default:
                    break;
            }
        }
        if (_usesCompressed && !_anyCompressed)
        {
            // Nothing compressed (incompressible payloads): write the raw blocks in place rather than the copy.
            _usesCompressed = false;
            _head.Clear();
            Finish(0);
            _finishedThreshold = compressionThreshold;
            return;
        }
        _headerLength = HeaderLengthFor(ItemsLength, DataMemory.Length);
        if ((long)EncodedLength > BatchFormat.MaxBatchSize)
        {
            ThrowHelper.ThrowArgument($"The batch encodes to {EncodedLength} bytes, above the {BatchFormat.MaxBatchSize}-byte limit.");
        }
        WriteHeaderLengths(_head.Array.AsSpan(BatchFormat.MaxHeaderSize - _headerLength, _headerLength), ItemsLength, DataMemory.Length);
        _finished = true;
        _finishedThreshold = compressionThreshold;
    }

    // item byte := kind | SameRegionFlag? | compression << CompressionShift, then the region unless it is the same.
    private void WriteItemStart(byte tag, ulong region, bool sameRegion, byte compression = BatchFormat.CompressionNone)
    {
        _head.WriteByte((byte)(tag | (sameRegion ? BatchFormat.SameRegionFlag : 0) | (compression << BatchFormat.CompressionShift)));
        if (!sameRegion)
        {
            _head.WriteVarint(region);
        }
    }

    // Entries item := item byte, region?, firstIndex, count, rawLength, blockLength if compressed, entryLength ×
    // (count - 1) (varints; the last entry takes the rest of rawLength).
    private void EncodeEntries(ref Op op, int compressionThreshold, bool sameRegion)
    {
        ReadOnlySpan<byte> raw = _blocks.Array.AsSpan(op.Offset, op.Length);
        byte compression = BatchFormat.CompressionNone;
        int stored = op.Length;
        if (_usesCompressed)
        {
            if (op.Length >= compressionThreshold)
            {
                Span<byte> target = _compressed.GetSpan(LZ4Codec.MaximumOutputSize(op.Length) + BatchFormat.BlockTrailerSize);
                int written = LZ4Codec.Encode(raw, target);
                if (written > 0 && written < op.Length)
                {
                    compression = BatchFormat.CompressionLz4;
                    stored = written;
                    _anyCompressed = true;
                }
            }
            Span<byte> block = _compressed.GetSpan(stored + BatchFormat.BlockTrailerSize);
            if (compression == BatchFormat.CompressionNone)
            {
                raw.CopyTo(block);
            }
            BinaryPrimitives.WriteUInt32LittleEndian(block[stored..], Checksum.Compute(block[..stored], compression));
            _compressed.Advance(stored + BatchFormat.BlockTrailerSize);
        }
        else
        {
            Span<byte> trailer = _blocks.Array.AsSpan(op.Offset + op.Length, BatchFormat.BlockTrailerSize);
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, Checksum.Compute(raw, BatchFormat.CompressionNone));
        }
        WriteItemStart(BatchFormat.TagEntries, op.Region, sameRegion, compression);
        _head.WriteVarint(op.Index);
        _head.WriteVarint((ulong)op.Count);
        _head.WriteVarint((ulong)op.Length);
        if (compression != BatchFormat.CompressionNone)
        {
            _head.WriteVarint((ulong)(stored + BatchFormat.BlockTrailerSize));
        }
        for (int j = 0; j < op.Count - 1; j++)
        {
            _head.WriteVarint((ulong)_lengths[op.LengthsStart + j]);
        }
    }

    /// <summary>Bytes of a version 3 batch header for sections of these lengths: checksum u32 and two varints.</summary>
    internal static int HeaderLengthFor(int itemsLength, long dataLength) =>
        4 + Coding.VarintLength((ulong)itemsLength) + Coding.VarintLength((ulong)dataLength);

    /// <summary>
    /// Writes the lengths of a version 3 header into <paramref name="header"/> (exactly
    /// <see cref="HeaderLengthFor"/> bytes; the checksum's 4 bytes are left for <see cref="SealHeader(Span{byte}, ulong)"/>).
    /// </summary>
    internal static void WriteHeaderLengths(Span<byte> header, int itemsLength, long dataLength)
    {
        int n = 4 + Coding.WriteVarint64(header[4..], (ulong)itemsLength);
        Coding.WriteVarint64(header[n..], (ulong)dataLength);
    }

    /// <summary>
    /// Fills the header checksum for a batch placed in file <paramref name="fileSeq"/> (seeded with the file
    /// sequence, over the header's lengths and the items). REQUIRES: <see cref="Finish"/> called since the last change.
    /// </summary>
    internal void SealHeader(ulong fileSeq) => SealHeader(_head.Array.AsSpan(BatchFormat.MaxHeaderSize - _headerLength, _headerLength + ItemsLength), fileSeq);

    /// <summary>
    /// Fills the checksum at the start of <paramref name="head"/> (a header whose lengths are written, followed by the
    /// whole items section) for a batch placed in file <paramref name="fileSeq"/>. Shared by single batches and the
    /// merged batch of a write group.
    /// </summary>
    internal static void SealHeader(Span<byte> head, ulong fileSeq) =>
        BinaryPrimitives.WriteUInt32LittleEndian(head, Checksum.Compute(head[4..], fileSeq));
}
