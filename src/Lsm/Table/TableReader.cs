using System.Buffers;
using System.Diagnostics;
using System.Text;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Reads one SST written by <see cref="TableBuilder"/> (FORMAT.md, "SST"). Open checks the footer and reads the
/// metaindex, properties, index and filter blocks (always verifying their checksums); data blocks are read on demand
/// through the block cache. Point lookups check the bloom filter first and allocate nothing when the data block is
/// cached. Thread-safe: any number of threads may call Get and create iterators concurrently.
/// Lifetime: reference counted. <see cref="Open"/> returns a reader holding one reference; <see cref="Ref"/> and
/// <see cref="Unref"/> add and drop references, and the file is closed when the last one goes. Each iterator holds its
/// own reference, so a reader evicted from the table cache stays usable by the iterators still reading it.
/// </summary>
internal sealed unsafe partial class TableReader
{
    private const int StackKeyLimit = 256;

    [ThreadStatic]
    private static BlockIterator? t_indexIterator;

    [ThreadStatic]
    private static BlockIterator? t_dataIterator;

    [ThreadStatic]
    private static byte[]? t_scratch; // Get's buffer for blocks read without filling the cache

    private readonly IRandomAccessFile _file;
    private readonly TableReaderOptions _options;
    private readonly BlockCache? _cache;       // null when blocks are not cached
    private readonly ulong _cacheId;
    private readonly bool _tableCompressed;    // the file was written with a codec (some blocks may still be raw)
    private readonly bool _indexUserKeys;      // format version 2: the index block is keyed by user keys
    private readonly bool _dataBlocksInPlace;  // mapped and uncompressed: data blocks are used in place, never cached
    private readonly BlockHandle _indexHandle;
    private readonly byte[]? _pinnedIndex;     // null when the index lives in the block cache
    private readonly ulong[]? _indexPrefixes;  // the pinned index's restart key prefixes (BlockIterator.SetRestartPrefixes)
    private readonly BlockHandle _filterHandle;
    private readonly bool _hasFilter;
    private readonly BloomFilterReader? _pinnedFilter; // null when there is no filter or it lives in the block cache
    private readonly long _limit;              // end of the last block before the footer
    private ulong _globalSequence;             // external files ingested over newer data: every entry reads at it; set before publication
    private int _refs = 1;
    // Invariant: _pinnedIndex != null || _cache != null; (_hasFilter && _pinnedFilter == null) implies _cache != null.

    private TableReader(IRandomAccessFile file, string path, ulong fileNumber, long fileSize, TableReaderOptions options,
        TableProperties properties, BlockHandle indexHandle, byte[]? pinnedIndex, ulong[]? indexPrefixes, bool hasFilter, BlockHandle filterHandle,
        BloomFilterReader? pinnedFilter, BlockCache? cache, ulong cacheId)
    {
        _indexPrefixes = indexPrefixes;
        _file = file;
        Path = path;
        FileNumber = fileNumber;
        FileSize = fileSize;
        _options = options;
        Properties = properties;
        _indexHandle = indexHandle;
        _pinnedIndex = pinnedIndex;
        _hasFilter = hasFilter;
        _filterHandle = filterHandle;
        _pinnedFilter = pinnedFilter;
        _cache = cache;
        _cacheId = cacheId;
        _limit = fileSize - TableFormat.FooterSize;
        _tableCompressed = properties.CompressionName != BlockCompression.NameOf(CompressionType.None);
        _dataBlocksInPlace = !_tableCompressed && file.IsMapped;
        _indexUserKeys = properties.FormatVersion == TableFormat.FormatVersion;
        _verifiedMapped = _dataBlocksInPlace ? NewVerifiedMappedTable(properties.NumDataBlocks) : null;
    }

    public string Path { get; }

    public ulong FileNumber { get; }

    public long FileSize { get; }

    public TableProperties Properties { get; }

    /// <summary>Bytes this reader holds in memory: pinned index and filter blocks, the index's restart key prefixes, the table of mapped blocks whose checksum was verified.</summary>
    public long MemoryUsage => (_pinnedIndex?.Length ?? 0) + (_pinnedFilter?.MemoryUsage ?? 0) + (8L * (_indexPrefixes?.Length ?? 0))
        + (8L * (_verifiedMapped?.Length ?? 0));

    /// <summary>The global sequence number of an ingested external file (every entry reads at it); 0 for other files.</summary>
    internal ulong GlobalSequence => _globalSequence;

    /// <summary>Current reference count (for tests and diagnostics).</summary>
    internal int RefCount => Volatile.Read(ref _refs);

    /// <summary>
    /// Opens an SST of <paramref name="fileSize"/> bytes (the size recorded by the caller, e.g. in the MANIFEST).
    /// Takes ownership of <paramref name="file"/>: it is disposed when the reader's last reference goes, or at once
    /// when opening fails. Throws <see cref="CorruptionException"/> for a bad footer, magic, format version, block
    /// checksum or block contents.
    /// </summary>
    /// <param name="globalSequence">
    /// For an ingested external file, the sequence every entry reads as (FORMAT.md, "Global sequence numbers"); 0 reads
    /// entries with their stored sequences. A non-zero value for a file that is not external is corruption.
    /// </param>
    public static TableReader Open(IRandomAccessFile file, string path, ulong fileNumber, long fileSize, TableReaderOptions options, ulong globalSequence = 0)
    {
        try
        {
            TableReader reader = OpenCore(file, path, fileNumber, fileSize, options);
            if (globalSequence != 0)
            {
                TableProperties p = reader.Properties;
                if (!p.IsExternalFile || p.LargestSequence != 0 || globalSequence > SequenceNumber.Max)
                {
                    ThrowHelper.ThrowCorruption(path, 0, $"global sequence number {globalSequence} given for a file that is not an external SST");
                }
                reader._globalSequence = globalSequence;
                p.GlobalSequenceNumber = globalSequence;
            }
            return reader;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static TableReader OpenCore(IRandomAccessFile file, string path, ulong fileNumber, long fileSize, TableReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (fileSize < TableFormat.FooterSize)
        {
            ThrowHelper.ThrowCorruption(path, 0, $"file of {fileSize} bytes is too short to be an SST");
        }
        if (file.Length < fileSize)
        {
            ThrowHelper.ThrowCorruption(path, file.Length, $"file is {file.Length} bytes, expected {fileSize}");
        }
        long footerOffset = fileSize - TableFormat.FooterSize;
        Span<byte> footerBytes = stackalloc byte[TableFormat.FooterSize];
        if (file.Read(footerOffset, footerBytes) != TableFormat.FooterSize)
        {
            ThrowHelper.ThrowCorruption(path, footerOffset, "short read of the footer");
        }
        Footer footer = Footer.Decode(footerBytes, path, footerOffset);

        byte[] metaindex = ReadMetaBlock(file, path, footerOffset, footer.MetaindexHandle);
        BlockHandle propertiesHandle = default;
        BlockHandle filterHandle = default;
        bool hasProperties = false;
        bool hasFilter = false;
        var it = new BlockIterator();
        it.Reset(metaindex, internalKeys: false, path, (long)footer.MetaindexHandle.Offset);
        byte[] propertiesName = Encoding.UTF8.GetBytes(TableFormat.PropertiesBlockName);
        byte[] filterName = Encoding.UTF8.GetBytes(TableFormat.FullFilterBlockPrefix + BloomFilterPolicy.Name);
        BlockHandle rangeDelHandle = default;
        bool hasRangeDel = false;
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            bool isProperties = it.Key.SequenceEqual(propertiesName);
            bool isFilter = it.Key.SequenceEqual(filterName);
            if (it.Key.SequenceEqual(s_rangeDelName))
            {
                if (BlockHandle.TryDecode(it.Value, out rangeDelHandle) == 0)
                {
                    ThrowHelper.ThrowCorruption(path, (long)footer.MetaindexHandle.Offset, "malformed block handle in metaindex");
                }
                hasRangeDel = true;
                continue;
            }
            if (!isProperties && !isFilter)
            {
                continue; // a meta block of a later version or another filter policy: not needed to read the data
            }
            if (BlockHandle.TryDecode(it.Value, out BlockHandle handle) == 0)
            {
                ThrowHelper.ThrowCorruption(path, (long)footer.MetaindexHandle.Offset, "malformed block handle in metaindex");
            }
            if (isProperties)
            {
                (propertiesHandle, hasProperties) = (handle, true);
            }
            else
            {
                (filterHandle, hasFilter) = (handle, true);
            }
        }
        if (!hasProperties)
        {
            ThrowHelper.ThrowCorruption(path, (long)footer.MetaindexHandle.Offset, "metaindex has no properties block");
        }
        TableProperties properties = TablePropertiesCodec.Decode(ReadMetaBlock(file, path, footerOffset, propertiesHandle), path, (long)propertiesHandle.Offset);
        properties.FileSize = fileSize;
        if (properties.FormatVersion != footer.Version)
        {
            ThrowHelper.ThrowCorruption(path, (long)propertiesHandle.Offset, $"properties say format version {properties.FormatVersion}, the footer {footer.Version}");
        }
        if (properties.ComparatorName != BytewiseComparator.Name)
        {
            ThrowHelper.ThrowCorruption(path, (long)propertiesHandle.Offset, $"table uses comparator '{properties.ComparatorName}', expected '{BytewiseComparator.Name}'");
        }

        byte[] index = ReadMetaBlock(file, path, footerOffset, footer.IndexHandle);
        bool indexUserKeys = footer.Version == TableFormat.FormatVersion;
        var indexIterator = new BlockIterator();
        indexIterator.Reset(index, internalKeys: !indexUserKeys, path, (long)footer.IndexHandle.Offset); // checks the restart array
        ulong[]? indexPrefixes = indexIterator.RestartKeyPrefixes();  // and every restart key
        byte[]? filter = hasFilter ? ReadMetaBlock(file, path, footerOffset, filterHandle) : null;
        BloomFilterReader? filterReader = filter == null ? null : BloomFilterReader.Create(filter, path, (long)filterHandle.Offset);

        BlockCache? cache = options.BlockCache;
        ulong cacheId = cache?.NewId() ?? 0;
        bool pin = options.PinIndexAndFilter || cache == null;
        if (!pin)
        {
            cache!.InsertCopy(cacheId, footer.IndexHandle.Offset, index);
            if (filter != null)
            {
                cache.InsertCopy(cacheId, filterHandle.Offset, filter);
            }
        }
        var reader = new TableReader(file, path, fileNumber, fileSize, options, properties, footer.IndexHandle, pin ? index : null,
            pin ? indexPrefixes : null, hasFilter, filterHandle, pin ? filterReader : null, cache, cacheId);
        if (hasRangeDel)
        {
            reader.RangeTombstones = RangeDel.FragmentedRangeTombstones.DecodeBlock(
                ReadMetaBlock(file, path, footerOffset, rangeDelHandle), path, (long)rangeDelHandle.Offset);
        }
        return reader;
    }

    private static readonly byte[] s_rangeDelName = Encoding.UTF8.GetBytes(TableFormat.RangeDelBlockName);

    /// <summary>The table's range tombstones, fragmented; null when it has none. Set once at open.</summary>
    public RangeDel.FragmentedRangeTombstones? RangeTombstones { get; private set; }

    /// <summary>Adds a reference. REQUIRES: the caller already holds one (the count is above zero).</summary>
    public void Ref()
    {
        int refs = Interlocked.Increment(ref _refs);
        if (refs <= 1)
        {
            ThrowHelper.ThrowInvalidOperation($"Ref on closed table reader '{Path}' (count {refs - 1})");
        }
    }

    /// <summary>Drops a reference; the last one erases the reader's blocks from the block cache and closes the file.</summary>
    public void Unref()
    {
        int refs = Interlocked.Decrement(ref _refs);
        if (refs == 0)
        {
            try
            {
                EraseCachedBlocks();
            }
            finally
            {
                _file.Dispose();
            }
        }
        else if (refs < 0)
        {
            ThrowHelper.ThrowInvalidOperation($"Unref on closed table reader '{Path}' (count {refs})");
        }
    }

    /// <summary>
    /// Frees the blocks this reader put in the block cache: nobody can look them up again (the cache id dies with the
    /// reader), and a cache's native memory is invisible to the GC, so waiting for them to age out would keep a
    /// closed DB's private cache (or an obsolete file's blocks) allocated. Walks the pinned index; a reader whose index
    /// lives in the cache erases only its index and filter (its data blocks age out).
    /// </summary>
    private void EraseCachedBlocks()
    {
        if (_cache == null)
        {
            return;
        }
        if (_pinnedIndex != null)
        {
            var index = new BlockIterator();
            ResetIndexIterator(BlockContents.FromArray(_pinnedIndex, 0, _pinnedIndex.Length), index);
            for (index.SeekToFirst(); index.Valid; index.Next())
            {
                if (BlockHandle.TryDecode(index.Value, out BlockHandle handle) != 0)
                {
                    _cache.Erase(_cacheId, handle.Offset);
                }
            }
        }
        else
        {
            _cache.Erase(_cacheId, _indexHandle.Offset);
            if (_hasFilter)
            {
                _cache.Erase(_cacheId, _filterHandle.Offset);
            }
        }
    }

    /// <summary>
    /// False when the bloom filter proves the file holds no entry for <paramref name="userKey"/>; true when there is no
    /// filter or it holds no whole keys.
    /// </summary>
    public bool KeyMayMatch(ReadOnlySpan<byte> userKey) =>
        !_hasFilter || !Properties.WholeKeyFiltering || FilterHashMayMatch(BloomFilterBuilder.Hash(userKey));

    /// <summary>
    /// False when the filter proves the file holds no key whose prefix hashes to <paramref name="prefixHash"/> under
    /// the extractor named <paramref name="extractorName"/>. True (not checked) when the file has no filter or its
    /// prefixes came from another extractor. Counts the check in <paramref name="stats"/>.
    /// </summary>
    internal bool PrefixMayMatch(ulong prefixHash, string extractorName, LsmStatistics? stats)
    {
        if (!_hasFilter || Properties.PrefixExtractorName.Length == 0 || Properties.PrefixExtractorName != extractorName)
        {
            return true;
        }
        stats?.Record(Ticker.BloomFilterPrefixChecked);
        if (FilterHashMayMatch(prefixHash))
        {
            return true;
        }
        stats?.Record(Ticker.BloomFilterPrefixUseful);
        return false;
    }

    /// <summary>
    /// The filter check of a point lookup: the whole key when the filter holds whole keys, else the key's prefix when
    /// the filter's prefixes come from <paramref name="prefixExtractor"/>. Returns false when the file cannot hold the
    /// key; <paramref name="checkedFilter"/> tells whether a filter was consulted.
    /// </summary>
    private bool FilterMayMatchForGet(ReadOnlySpan<byte> userKey, ISliceTransform? prefixExtractor, LsmStatistics? stats, out bool checkedFilter)
    {
        checkedFilter = false;
        if (!_hasFilter)
        {
            return true;
        }
        bool mayMatch;
        if (Properties.WholeKeyFiltering)
        {
            mayMatch = FilterHashMayMatch(BloomFilterBuilder.Hash(userKey));
        }
        else if (prefixExtractor != null && Properties.PrefixExtractorName == prefixExtractor.Name && prefixExtractor.InDomain(userKey))
        {
            stats?.Record(Ticker.BloomFilterPrefixChecked);
            mayMatch = FilterHashMayMatch(BloomFilterBuilder.Hash(prefixExtractor.Transform(userKey)));
            if (!mayMatch)
            {
                stats?.Record(Ticker.BloomFilterPrefixUseful);
            }
        }
        else
        {
            return true;
        }
        checkedFilter = true;
        if (stats != null)
        {
            stats.Record(Ticker.BloomFilterChecked);
            stats.Record(mayMatch ? Ticker.BloomFilterFullPositive : Ticker.BloomFilterUseful);
        }
        return mayMatch;
    }

    private bool FilterHashMayMatch(ulong hash)
    {
        if (_pinnedFilter != null)
        {
            return _pinnedFilter.HashMayMatch(hash);
        }
        BlockContents filter = GetCachedMetaBlock(_filterHandle, Ticker.BlockCacheFilterHit, Ticker.BlockCacheFilterMiss);
        try
        {
            return BloomFilterReader.MayMatch(filter.Span, hash, Path, (long)_filterHandle.Offset);
        }
        finally
        {
            filter.Release();
        }
    }

    /// <summary>
    /// Point lookup: finds the first entry with internal key &gt;= (userKey, sequence, seek type). When its user key
    /// is <paramref name="userKey"/>, returns <see cref="LookupResult.Found"/> (writing the value to
    /// <paramref name="value"/>) or <see cref="LookupResult.Deleted"/>; otherwise <see cref="LookupResult.NotFound"/>.
    /// Checks the bloom filter first (the whole key, or with <paramref name="prefixExtractor"/> the prefix when the
    /// filter holds prefixes only), counting in <paramref name="stats"/>. Allocates nothing when the data block is in
    /// the block cache.
    /// </summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache = true,
        ISliceTransform? prefixExtractor = null, LsmStatistics? stats = null) =>
        Get(userKey, sequence, value, fillCache, prefixExtractor, stats, out _);

    /// <summary>As the overload above, also giving the sequence of the entry found.</summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache,
        ISliceTransform? prefixExtractor, LsmStatistics? stats, out ulong foundSequence)
    {
        foundSequence = 0;
        if (_globalSequence > sequence)
        {
            return LookupResult.NotFound; // ingested after the read's snapshot: every entry is newer than the read
        }
        if (!FilterMayMatchForGet(userKey, prefixExtractor, stats, out bool checkedFilter))
        {
            return LookupResult.NotFound;
        }
        LookupResult result = GetCore(userKey, sequence, value, fillCache, out foundSequence);
        if (checkedFilter && result != LookupResult.NotFound)
        {
            stats?.Record(Ticker.BloomFilterFullTruePositive);
        }
        return result;
    }

    private LookupResult GetCore(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache, out ulong foundSequence)
    {
        foundSequence = 0;
        int keyLength = userKey.Length + InternalKey.TrailerSize;
        byte[]? rentedKey = null;
        Span<byte> seekKey = keyLength <= StackKeyLimit
            ? stackalloc byte[StackKeyLimit]
            : (rentedKey = ArrayPool<byte>.Shared.Rent(keyLength));
        seekKey = seekKey[..keyLength];
        InternalKey.Write(seekKey, userKey, sequence, ValueTypes.ForSeek);

        BlockIterator index = t_indexIterator ?? new BlockIterator();
        BlockIterator data = t_dataIterator ?? new BlockIterator();
        byte[]? scratch = t_scratch;
        t_indexIterator = null; // taken: a reentrant call (from the value sink) gets its own
        t_dataIterator = null;
        t_scratch = null;
        BlockContents indexBlock = default;
        BlockContents dataBlock = default;
        try
        {
            indexBlock = GetIndexBlock();
            ResetIndexIterator(indexBlock, index);
            for (index.Seek(IndexSeekKey(seekKey)); index.Valid; index.Next())
            {
                BlockHandle handle = DecodeIndexValue(index.Value);
                data.Clear();
                dataBlock.Release();
                dataBlock = ReadDataBlock(handle, fillCache, ref scratch);
                dataBlock.ResetIterator(data, internalKeys: true, Path, (long)handle.Offset);
                data.Seek(seekKey);
                if (!data.Valid)
                {
                    continue; // past the block's last key: the next block starts after the separator
                }
                ReadOnlySpan<byte> key = data.Key;
                if (!InternalKey.UserKey(key).SequenceEqual(userKey))
                {
                    return LookupResult.NotFound;
                }
                foundSequence = _globalSequence != 0 ? _globalSequence : InternalKey.Sequence(key);
                switch (InternalKey.Type(key))
                {
                    case ValueType.Value:
                        value?.Write(data.Value);
                        return LookupResult.Found;
                    case ValueType.Deletion:
                        return LookupResult.Deleted;
                    default:
                        ThrowHelper.ThrowCorruption(Path, (long)handle.Offset, $"unexpected value type {InternalKey.Type(key)} in a data block");
                        return LookupResult.NotFound;
                }
            }
            return LookupResult.NotFound;
        }
        finally
        {
            data.Clear();
            index.Clear();
            dataBlock.Release();
            indexBlock.Release();
            t_indexIterator = index;
            t_dataIterator = data;
            t_scratch = scratch;
            if (rentedKey != null)
            {
                ArrayPool<byte>.Shared.Return(rentedKey);
            }
        }
    }

    /// <summary>
    /// A two-level iterator (index → data blocks) over every entry, both directions. It holds a reference to this
    /// reader until disposed.
    /// </summary>
    public IInternalIterator NewIterator(bool fillCache = true)
    {
        Ref();
        var inner = new TableIterator(this, fillCache); // adopts the reference (and drops it if it throws)
        return _globalSequence == 0 ? inner : new Ingest.GlobalSequenceIterator(inner, _globalSequence);
    }

    /// <summary>
    /// Approximate file offset where entries &gt;= <paramref name="internalKey"/> start: the offset of the data block
    /// that would hold it, or the end of the data blocks when the key is after every entry.
    /// </summary>
    public long ApproximateOffsetOf(ReadOnlySpan<byte> internalKey)
    {
        var index = new BlockIterator();
        BlockContents block = GetIndexBlock();
        try
        {
            ResetIndexIterator(block, index);
            index.Seek(IndexSeekKey(internalKey));
            return index.Valid ? (long)DecodeIndexValue(index.Value).Offset : (long)Properties.DataSize;
        }
        finally
        {
            index.Clear();
            block.Release();
        }
    }

    /// <summary>
    /// The index block holds user keys (format version 2: no user key spans two data blocks) rather than internal
    /// keys (version 1).
    /// </summary>
    internal bool IndexKeysAreUserKeys => _indexUserKeys;

    /// <summary>Points <paramref name="iterator"/> at this table's index block, compared as its keys are kept.</summary>
    internal void ResetIndexIterator(in BlockContents index, BlockIterator iterator) =>
        index.ResetIterator(iterator, internalKeys: !_indexUserKeys, Path, (long)_indexHandle.Offset);

    /// <summary>What to seek in the index for an internal key: the key itself, or its user key in a user-key index.</summary>
    internal ReadOnlySpan<byte> IndexSeekKey(ReadOnlySpan<byte> internalKey) =>
        IndexKeysAreUserKeys ? InternalKey.UserKey(internalKey) : internalKey;

    internal BlockHandle DecodeIndexValue(ReadOnlySpan<byte> value)
    {
        if (BlockHandle.TryDecode(value, out BlockHandle handle) == 0)
        {
            ThrowHelper.ThrowCorruption(Path, (long)_indexHandle.Offset, "malformed block handle in index");
        }
        return handle;
    }

    /// <summary>The index block (pinned, or from the block cache); the caller releases it.</summary>
    internal BlockContents GetIndexBlock()
    {
        BlockContents index = _pinnedIndex != null ? BlockContents.FromArray(_pinnedIndex, 0, _pinnedIndex.Length) : GetCachedMetaBlock(_indexHandle, Ticker.BlockCacheIndexHit, Ticker.BlockCacheIndexMiss);
        index.RestartPrefixes = _indexPrefixes;
        return index;
    }

    [Conditional("DEBUG")]
    private void AssertReferenced() => Debug.Assert(Volatile.Read(ref _refs) > 0, "table reader used after its last Unref");
}
