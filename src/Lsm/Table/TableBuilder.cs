using System.Diagnostics;
using System.Text;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;
using Compressor = ZstdSharp.Compressor;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Writes one SST (FORMAT.md, "SST"):
/// <code>
/// data block* | filter block? | index block | properties block | metaindex block | footer
/// </code>
/// every block followed by its trailer (compression type + checksum). Entries arrive in ascending internal-key order;
/// a data block is cut once it reaches <see cref="TableBuilderOptions.BlockSize"/>, and the index gets a short
/// separator between its last key and the next block's first key. Not thread-safe: one flush or compaction job
/// drives a builder. Call <see cref="Finish"/> or <see cref="Abandon"/> (Dispose abandons an unfinished file).
/// </summary>
internal sealed class TableBuilder : IDisposable
{
    private readonly string _path;
    private readonly TableBuilderOptions _options;
    private readonly TableFileWriter _file;
    private readonly BlockBuilder _dataBlock;
    private readonly BlockBuilder _indexBlock = new(TableFormat.MetaBlockRestartInterval);
    // The same index keyed by the separators' user keys (format version 2, RocksDB's index_key_is_user_key), built
    // alongside while no user key spans two data blocks; Finish writes it instead when that held to the end.
    private readonly BlockBuilder _userKeyIndexBlock = new(TableFormat.MetaBlockRestartInterval);
    private bool _indexNeedsSequence;
    private readonly BloomFilterBuilder? _filter;
    private readonly ISliceTransform? _prefixExtractor; // set when prefixes go into _filter
    private ulong _lastPrefixHash;                       // prefixes repeat across consecutive keys: add each run once
    private bool _hasLastPrefix;
    private readonly Compressor? _zstd;
    private readonly TablePropertiesCollectorSet? _collectors;
    private byte[] _compressed = [];
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength;
    private byte[] _scratch = new byte[64];
    private byte[]? _smallestKey;
    private bool _pendingIndexEntry;     // a data block was flushed and its index entry waits for the next key
    private BlockHandle _pendingHandle;
    private ulong _numEntries;
    private ulong _numDeletions;
    private ulong _rawKeySize;
    private ulong _rawValueSize;
    private ulong _numDataBlocks;
    private ulong _smallestSequence = ulong.MaxValue;
    private ulong _largestSequence;
    private bool _closed;
    // Invariant: _lastKey[.._lastKeyLength] is the last key added; _pendingIndexEntry implies _dataBlock.IsEmpty.

    /// <summary>Creates (or truncates) <paramref name="path"/> and prepares to write an SST into it.</summary>
    public TableBuilder(string path, TableBuilderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BlockSize < 256 || options.BlockSize > 256 * 1024 * 1024)
        {
            ThrowHelper.ThrowArgument($"BlockSize must be in [256, 256 MiB], got {options.BlockSize}");
        }
        if (options.BlockRestartInterval < 1)
        {
            ThrowHelper.ThrowArgument($"BlockRestartInterval must be at least 1, got {options.BlockRestartInterval}");
        }
        if (options.Compression is not (CompressionType.None or CompressionType.Lz4 or CompressionType.Zstd))
        {
            ThrowHelper.ThrowArgument($"unknown compression {options.Compression}");
        }
        _path = path;
        _options = options;
        _dataBlock = new BlockBuilder(options.BlockRestartInterval);
        if (options.BloomBitsPerKey != 0 && (options.WholeKeyFiltering || options.PrefixExtractor != null))
        {
            _filter = new BloomFilterPolicy(options.BloomBitsPerKey).NewBuilder();
            _prefixExtractor = options.PrefixExtractor;
        }
        _collectors = options.Collectors;
        _file = TableFileWriter.Create(path);
        if (options.Compression == CompressionType.Zstd)
        {
            _zstd = new Compressor(BlockCompression.ZstdLevel);
        }
    }

    /// <summary>Entries added so far.</summary>
    public ulong NumEntries => _numEntries;

    /// <summary>Bytes written so far plus the current data block (what the file would take if cut now, roughly).</summary>
    public long EstimatedFileSize => _file.Position + _dataBlock.CurrentSizeEstimate;

    /// <summary>
    /// Adds an entry. REQUIRES: <paramref name="internalKey"/> is greater than every key added before (internal-key
    /// order) and its type is <see cref="ValueType.Value"/> or <see cref="ValueType.Deletion"/>.
    /// </summary>
    /// <summary>Range tombstones to store in the table's range deletion block (FORMAT.md "Range deletion block").</summary>
    public void SetRangeTombstones(RangeDel.FragmentedRangeTombstones tombstones) => _rangeTombstones = tombstones;

    private RangeDel.FragmentedRangeTombstones? _rangeTombstones;

    public void Add(ReadOnlySpan<byte> internalKey, ReadOnlySpan<byte> value)
    {
        EnsureOpen();
        if (internalKey.Length < InternalKey.TrailerSize)
        {
            ThrowHelper.ThrowArgument("an internal key has at least 8 bytes", nameof(internalKey));
        }
        ValueType type = InternalKey.Type(internalKey);
        if (type is not (ValueType.Value or ValueType.Deletion))
        {
            ThrowHelper.ThrowArgument($"value type {type} cannot be added to a table's data blocks", nameof(internalKey));
        }
        ReadOnlySpan<byte> lastKey = _lastKey.AsSpan(0, _lastKeyLength);
        if (_numEntries > 0 && InternalKey.Compare(internalKey, lastKey) <= 0)
        {
            ThrowHelper.ThrowArgument($"keys must be added in strictly ascending order (entry {_numEntries} of '{_path}')", nameof(internalKey));
        }

        if (_pendingIndexEntry)
        {
            Debug.Assert(_dataBlock.IsEmpty);
            if (InternalKey.UserKey(lastKey).SequenceEqual(InternalKey.UserKey(internalKey)))
            {
                _indexNeedsSequence = true; // versions of one user key on both sides of a block boundary
            }
            AddIndexEntry(Separator(lastKey, internalKey));
        }
        if (_filter != null)
        {
            AddToFilter(InternalKey.UserKey(internalKey));
        }
        _collectors?.Add(internalKey, value, _file.Position);
        _dataBlock.Add(internalKey, value);

        _numEntries++;
        if (type == ValueType.Deletion)
        {
            _numDeletions++;
        }
        _rawKeySize += (ulong)internalKey.Length;
        _rawValueSize += (ulong)value.Length;
        ulong sequence = InternalKey.Sequence(internalKey);
        _smallestSequence = Math.Min(_smallestSequence, sequence);
        _largestSequence = Math.Max(_largestSequence, sequence);
        _smallestKey ??= internalKey.ToArray();
        if (_lastKey.Length < internalKey.Length)
        {
            _lastKey = new byte[Math.Max(internalKey.Length, _lastKey.Length * 2)];
        }
        internalKey.CopyTo(_lastKey);
        _lastKeyLength = internalKey.Length;

        if (_dataBlock.CurrentSizeEstimate >= _options.BlockSize)
        {
            FlushDataBlock();
        }
    }

    /// <summary>
    /// Writes the remaining blocks and the footer, closes the file (after an fsync when <paramref name="sync"/>) and
    /// returns the table's properties, including its smallest and largest internal keys.
    /// </summary>
    public TableProperties Finish(bool sync)
    {
        EnsureOpen();
        FlushDataBlock();
        ReadOnlySpan<byte> lastKey = _lastKey.AsSpan(0, _lastKeyLength);
        if (_pendingIndexEntry)
        {
            AddIndexEntry(Successor(lastKey));
        }
        ulong dataSize = (ulong)_file.Position;

        BlockHandle filterHandle = default;
        bool hasFilter = _filter != null && _numEntries > 0;
        if (hasFilter)
        {
            filterHandle = WriteRawBlock(_filter!.Finish());
        }
        ulong filterSize = hasFilter ? filterHandle.Size + TableFormat.BlockTrailerSize : 0;
        bool userKeyIndex = !_indexNeedsSequence;
        uint version = userKeyIndex ? TableFormat.FormatVersion : TableFormat.FormatVersionInternalKeyIndex;
        BlockHandle indexHandle = WriteRawBlock(userKeyIndex ? _userKeyIndexBlock.Finish() : _indexBlock.Finish());

        var properties = new TableProperties
        {
            NumEntries = _numEntries,
            NumDeletions = _numDeletions,
            RawKeySize = _rawKeySize,
            RawValueSize = _rawValueSize,
            DataSize = dataSize,
            IndexSize = indexHandle.Size + TableFormat.BlockTrailerSize,
            FilterSize = filterSize,
            NumDataBlocks = _numDataBlocks,
            SmallestSequence = _numEntries == 0 ? 0 : _smallestSequence,
            LargestSequence = _largestSequence,
            CompressionName = BlockCompression.NameOf(_options.Compression),
            CreationTime = _options.CreationTime,
            ColumnFamilyName = _options.ColumnFamilyName,
            ColumnFamilyId = _options.ColumnFamilyId,
            FormatVersion = version,
            ComparatorName = BytewiseComparator.Name,
            FilterPolicyName = hasFilter ? BloomFilterPolicy.Name : string.Empty,
            PrefixExtractorName = hasFilter && _prefixExtractor != null ? _prefixExtractor.Name : string.Empty,
            WholeKeyFiltering = !hasFilter || _options.WholeKeyFiltering,
            SmallestKey = _smallestKey ?? [],
            LargestKey = lastKey.ToArray(),
            IsExternalFile = _options.IsExternalFile,
        };
        if (_collectors is not null)
        {
            properties.UserCollectedProperties = _collectors.Finish();
        }
        BlockHandle propertiesHandle = WriteRawBlock(TablePropertiesCodec.Encode(properties));

        // Metaindex: block names in bytewise order ("fullfilter." < "rocksdb.").
        var metaindex = new BlockBuilder(TableFormat.MetaBlockRestartInterval);
        Span<byte> handleBytes = stackalloc byte[BlockHandle.MaxEncodedLength];
        if (hasFilter)
        {
            metaindex.Add(Encoding.UTF8.GetBytes(TableFormat.FullFilterBlockPrefix + BloomFilterPolicy.Name), handleBytes[..filterHandle.EncodeTo(handleBytes)]);
        }
        metaindex.Add(Encoding.UTF8.GetBytes(TableFormat.PropertiesBlockName), handleBytes[..propertiesHandle.EncodeTo(handleBytes)]);
        if (_rangeTombstones is { IsEmpty: false } rangeDels)
        {
            BlockHandle rangeDelHandle = WriteRawBlock(rangeDels.EncodeBlock());
            metaindex.Add(Encoding.UTF8.GetBytes(TableFormat.RangeDelBlockName), handleBytes[..rangeDelHandle.EncodeTo(handleBytes)]);
        }
        BlockHandle metaindexHandle = WriteRawBlock(metaindex.Finish());

        Span<byte> footer = stackalloc byte[TableFormat.FooterSize];
        new Footer(metaindexHandle, indexHandle, version).EncodeTo(footer);
        ChargeRateLimiter(footer.Length);
        _file.Append(footer);
        properties.FileSize = _file.Position;
        if (sync)
        {
            _file.Sync();
        }
        _closed = true;
        _file.Dispose();
        _zstd?.Dispose();
        return properties;
    }

    /// <summary>Stops building and deletes the partial file.</summary>
    public void Abandon()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _file.DisposeWithoutFlush();
        _zstd?.Dispose();
        File.Delete(_path);
    }

    /// <summary>Abandons the file unless <see cref="Finish"/> completed.</summary>
    public void Dispose() => Abandon();

    /// <summary>
    /// Whole key and/or prefix into the filter (FORMAT.md, "Filter"): one hash space, so a prefix equal to some whole
    /// key simply shares its bits. A prefix repeated by consecutive keys is added once.
    /// </summary>
    private void AddToFilter(ReadOnlySpan<byte> userKey)
    {
        if (_options.WholeKeyFiltering)
        {
            _filter!.AddKey(userKey);
        }
        ISliceTransform? extractor = _prefixExtractor;
        if (extractor != null && extractor.InDomain(userKey))
        {
            ulong hash = BloomFilterBuilder.Hash(extractor.Transform(userKey));
            if (!_hasLastPrefix || hash != _lastPrefixHash)
            {
                _filter!.AddHash(hash);
                _lastPrefixHash = hash;
                _hasLastPrefix = true;
            }
        }
    }

    private void ChargeRateLimiter(int bytes) => _options.RateLimiter?.Request(bytes, _options.IoPriority);

    private void EnsureOpen()
    {
        if (_closed)
        {
            ThrowHelper.ThrowInvalidOperation($"table builder for '{_path}' is already finished or abandoned");
        }
    }

    private void FlushDataBlock()
    {
        if (_dataBlock.IsEmpty)
        {
            return;
        }
        _pendingHandle = WriteBlock(_dataBlock.Finish(), _options.Compression);
        _dataBlock.Reset();
        _pendingIndexEntry = true;
        _numDataBlocks++;
    }

    private void AddIndexEntry(ReadOnlySpan<byte> separator)
    {
        Span<byte> handle = stackalloc byte[BlockHandle.MaxEncodedLength];
        handle = handle[.._pendingHandle.EncodeTo(handle)];
        _indexBlock.Add(separator, handle);
        if (!_indexNeedsSequence)
        {
            _userKeyIndexBlock.Add(InternalKey.UserKey(separator), handle);
        }
        _pendingIndexEntry = false;
    }

    /// <summary>A short internal key k with last &lt;= k &lt; next (valid only until the next call).</summary>
    private ReadOnlySpan<byte> Separator(ReadOnlySpan<byte> last, ReadOnlySpan<byte> next)
    {
        ReadOnlySpan<byte> userLast = InternalKey.UserKey(last);
        EnsureScratch(last.Length);
        int n = BytewiseComparator.FindShortestSeparator(userLast, InternalKey.UserKey(next), _scratch);
        return ShortenedOr(last, n);
    }

    /// <summary>A short internal key k &gt;= last (valid only until the next call).</summary>
    private ReadOnlySpan<byte> Successor(ReadOnlySpan<byte> last)
    {
        EnsureScratch(last.Length);
        int n = BytewiseComparator.FindShortSuccessor(InternalKey.UserKey(last), _scratch);
        return ShortenedOr(last, n);
    }

    /// <summary>
    /// When the user key in _scratch[..n] is shorter than and after last's user key, it becomes the separator with
    /// the largest trailer (the first internal key of that user key); otherwise last itself is.
    /// </summary>
    private ReadOnlySpan<byte> ShortenedOr(ReadOnlySpan<byte> last, int n)
    {
        ReadOnlySpan<byte> userLast = InternalKey.UserKey(last);
        if (n < userLast.Length && userLast.SequenceCompareTo(_scratch.AsSpan(0, n)) < 0)
        {
            Coding.WriteFixed64(_scratch.AsSpan(n), InternalKey.PackTrailer(SequenceNumber.Max, ValueTypes.ForSeek));
            return _scratch.AsSpan(0, n + InternalKey.TrailerSize);
        }
        return last;
    }

    private void EnsureScratch(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
        }
    }

    /// <summary>Writes a block with the given compression (falling back to none when it does not pay).</summary>
    private BlockHandle WriteBlock(ReadOnlySpan<byte> raw, CompressionType compression)
    {
        if (compression != CompressionType.None)
        {
            int bound = BlockCompression.MaxCompressedLength(compression, raw.Length);
            if (_compressed.Length < bound)
            {
                _compressed = new byte[bound];
            }
            int n = BlockCompression.Compress(compression, raw, _compressed, _zstd);
            if (n > 0 && TableFormat.CompressionWorthIt(raw.Length, n))
            {
                return WriteContents(_compressed.AsSpan(0, n), compression);
            }
        }
        return WriteContents(raw, CompressionType.None);
    }

    private BlockHandle WriteRawBlock(ReadOnlySpan<byte> contents) => WriteContents(contents, CompressionType.None);

    private BlockHandle WriteContents(ReadOnlySpan<byte> contents, CompressionType type)
    {
        ChargeRateLimiter(contents.Length + TableFormat.BlockTrailerSize);
        var handle = new BlockHandle((ulong)_file.Position, (ulong)contents.Length);
        _file.Append(contents);
        Span<byte> trailer = stackalloc byte[TableFormat.BlockTrailerSize];
        trailer[0] = (byte)type;
        Coding.WriteFixed32(trailer[1..], Checksum.Compute(contents, (byte)type));
        _file.Append(trailer);
        return handle;
    }
}
