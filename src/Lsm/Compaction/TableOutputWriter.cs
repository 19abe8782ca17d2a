using System.Buffers;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.RangeDel;
using ValueType = ManagedKv.Lsm.Keys.ValueType;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Compaction;

/// <summary>
/// Writes the entries of a sorted internal stream into SST files for a flush or a compaction, dropping what no
/// reader can see (RocksDB's CompactionIterator, without merge operands):
/// <list type="bullet">
/// <item>Snapshots split each key's history into stripes; within a stripe only the newest entry is kept.</item>
/// <item>A tombstone in the oldest stripe is dropped when no deeper level may hold the key (bottommost), and with it
/// every older entry of the key.</item>
/// <item>With a <see cref="CompactionFilter"/> (compactions only), the newest entry of each user key, when a value, is
/// kept, changed, or removed (turned into a tombstone, which the rule above may then drop).</item>
/// </list>
/// Output files are cut at the target size, never between two entries of one user key, so files of a level stay
/// disjoint in user keys. Runs on one background thread; touches no shared state except through the DB mutex.
/// </summary>
internal sealed class TableOutputWriter
{
    private readonly LsmDb _db;
    private readonly ColumnFamily _cf;
    private readonly int _outputLevel;
    private readonly ulong[] _snapshots; // ascending
    private readonly Version.Version? _bottommostCheck;
    private readonly long _targetFileSize;
    private readonly TableBuilderOptions _builderOptions;

    private readonly FragmentedRangeTombstones? _inputTombstones; // every input tombstone (point-dropping decisions)
    private readonly List<FragmentedRangeTombstones.Fragment> _keptFragments = new(); // what goes to the outputs
    private int _fragmentCursor;     // next kept fragment not yet fully written
    private byte[]? _fileLowerBound; // user key where the current output's range starts (null: unbounded)

    private TableBuilder? _builder;
    private ulong _builderNumber;
    private readonly List<FileMetaData> _outputs = new();
    private readonly List<TableProperties> _outputProperties = new();
    private ArrayBufferWriter<byte>? _filterValue; // a compaction filter's new value
    private byte[] _keyScratch = [];              // a key whose type the compaction filter changed

    public TableOutputWriter(LsmDb db, ColumnFamily cf, int outputLevel, ulong[] snapshots, Version.Version? bottommostCheck, long targetFileSize,
        FragmentedRangeTombstones? rangeTombstones = null)
    {
        if (rangeTombstones is { IsEmpty: false })
        {
            _inputTombstones = rangeTombstones;
        }
        _db = db;
        _cf = cf;
        _outputLevel = outputLevel;
        _snapshots = snapshots;
        _bottommostCheck = bottommostCheck;
        _targetFileSize = targetFileSize;
        ColumnFamilyOptions o = cf.Options;
        _builderOptions = new TableBuilderOptions
        {
            BlockSize = o.BlockSize,
            BlockRestartInterval = o.BlockRestartInterval,
            BloomBitsPerKey = o.BloomBitsPerKey,
            WholeKeyFiltering = o.WholeKeyFiltering,
            Compression = o.CompressionForLevel(outputLevel, cf.Current?.BaseLevel ?? 1),
            ColumnFamilyName = cf.Name,
            ColumnFamilyId = cf.Id,
            PrefixExtractor = o.PrefixExtractor,
            RateLimiter = db.RateLimiter,
        };
        if (_inputTombstones is not null)
        {
            SelectTombstones(_inputTombstones);
        }
    }

    /// <summary>
    /// Keeps, per fragment, the newest tombstone of each snapshot stripe; drops the oldest stripe's tombstone at the
    /// bottommost level when no deeper file may hold keys of its range.
    /// </summary>
    private void SelectTombstones(FragmentedRangeTombstones input)
    {
        var kept = new List<ulong>();
        foreach (FragmentedRangeTombstones.Fragment f in input.Fragments)
        {
            kept.Clear();
            int lastStripe = -1;
            foreach (ulong seq in f.Sequences)
            {
                int stripe = StripeOf(seq);
                if (stripe == lastStripe)
                {
                    continue; // a newer tombstone every reader of this stripe sees first
                }
                lastStripe = stripe;
                if (stripe == 0 && _bottommostCheck is not null && !_bottommostCheck.RangeMayExistBelow(_outputLevel, f.Start, f.End))
                {
                    continue; // nothing below to delete, and every reader sees it or something newer
                }
                kept.Add(seq);
            }
            if (kept.Count > 0)
            {
                _keptFragments.Add(new FragmentedRangeTombstones.Fragment(f.Start, f.End, kept.ToArray()));
            }
        }
    }

    public List<FileMetaData> Outputs => _outputs;

    public List<TableProperties> OutputProperties => _outputProperties;

    public long BytesWritten { get; private set; }

    public long EntriesIn { get; private set; }

    public long EntriesDropped { get; private set; }

    /// <summary>The filter of this compaction (never set for a flush). Called for the newest entry of each user key when it is a value.</summary>
    public ICompactionFilter? CompactionFilter { get; set; }

    /// <summary>Values the compaction filter removed.</summary>
    public long EntriesRemovedByFilter { get; private set; }

    /// <summary>Values the compaction filter changed.</summary>
    public long EntriesChangedByFilter { get; private set; }

    /// <summary>Priority of the output writes at the rate limiter: high for flushes, low (default) for compactions.</summary>
    public IoPriority IoPriority
    {
        get => _builderOptions.IoPriority;
        set => _builderOptions.IoPriority = value;
    }

    /// <summary>Consumes <paramref name="input"/> (positioned by the caller or from its first entry) to the end.</summary>
    public void Run(IInternalIterator input, Func<bool> shouldStop)
    {
        byte[] currentUserKey = new byte[64];
        int currentUserKeyLength = -1;
        int lastStripe = -1;
        bool dropRestOfKey = false;
        try
        {
            for (input.SeekToFirst(); input.Valid; input.Next())
            {
                if ((EntriesIn & 1023) == 0 && shouldStop())
                {
                    throw new OperationCanceledException("The DB is shutting down.");
                }
                EntriesIn++;
                ReadOnlySpan<byte> ikey = input.Key;
                ReadOnlySpan<byte> userKey = InternalKey.UserKey(ikey);
                ulong trailer = InternalKey.Trailer(ikey);
                ulong sequence = trailer >> 8;
                var type = (ValueType)(byte)trailer;

                bool newKey = currentUserKeyLength < 0 || !userKey.SequenceEqual(currentUserKey.AsSpan(0, currentUserKeyLength));
                if (newKey)
                {
                    if (currentUserKey.Length < userKey.Length)
                    {
                        currentUserKey = new byte[Math.Max(userKey.Length, currentUserKey.Length * 2)];
                    }
                    userKey.CopyTo(currentUserKey);
                    currentUserKeyLength = userKey.Length;
                    lastStripe = -1;
                    dropRestOfKey = false;
                    // Cut the output only at a user-key boundary.
                    if (_builder is not null && _builder.EstimatedFileSize >= _targetFileSize)
                    {
                        FinishBuilder(currentUserKey.AsSpan(0, currentUserKeyLength).ToArray());
                    }
                }

                int stripe = StripeOf(sequence);
                if (dropRestOfKey || stripe == lastStripe)
                {
                    EntriesDropped++; // hidden by a newer entry every reader sees first
                    continue;
                }
                lastStripe = stripe;
                if (_inputTombstones is not null)
                {
                    ulong coveringSeq = _inputTombstones.MinCoveringSequenceAbove(userKey, sequence);
                    if (coveringSeq != 0 && StripeOf(coveringSeq) == stripe)
                    {
                        EntriesDropped++; // a range tombstone every reader of this stripe sees hides it
                        continue;
                    }
                }

                bool valueReplaced = false;
                ReadOnlySpan<byte> value = default;
                if (newKey && type == ValueType.Value && CompactionFilter is { } filter)
                {
                    _filterValue ??= new ArrayBufferWriter<byte>(256);
                    _filterValue.ResetWrittenCount();
                    switch (filter.Filter(_outputLevel, userKey, input.Value, _filterValue))
                    {
                        case CompactionFilterDecision.Keep:
                            break;
                        case CompactionFilterDecision.Remove:
                            type = ValueType.Deletion;
                            ikey = WithType(ikey, ValueType.Deletion);
                            valueReplaced = true;
                            EntriesRemovedByFilter++;
                            break;
                        case CompactionFilterDecision.ChangeValue:
                            value = _filterValue.WrittenSpan;
                            valueReplaced = true;
                            EntriesChangedByFilter++;
                            break;
                        default:
                            throw new InvalidOperationException($"Compaction filter '{filter.Name}' returned an unknown decision.");
                    }
                }

                if (type == ValueType.Deletion && stripe == 0 && _bottommostCheck is not null
                    && !_bottommostCheck.KeyMayExistBelow(_outputLevel, userKey))
                {
                    // Every reader sees this tombstone or something newer, and nothing older exists below:
                    // drop it and every older entry of the key.
                    EntriesDropped++;
                    dropRestOfKey = true;
                    continue;
                }

                if (_builder is null)
                {
                    OpenBuilder();
                }
                _builder!.Add(ikey, valueReplaced ? value : input.Value);
            }
            if (_builder is null && _fragmentCursor < _keptFragments.Count)
            {
                OpenBuilder(); // only range tombstones survive: they still need a file
            }
            if (_builder is not null)
            {
                FinishBuilder(null);
            }
            if (_outputs.Count > 0)
            {
                // The new files' directory entries must be durable before the MANIFEST names them.
                DirectorySync.Sync(Path.GetDirectoryName(_db.TableFilePath(_outputs[0].Number))!);
            }
        }
        catch
        {
            Abandon();
            throw;
        }
    }

    /// <summary>A copy of <paramref name="ikey"/> with its type replaced (valid until the next call).</summary>
    private ReadOnlySpan<byte> WithType(ReadOnlySpan<byte> ikey, ValueType type)
    {
        if (_keyScratch.Length < ikey.Length)
        {
            _keyScratch = new byte[Math.Max(ikey.Length, 64)];
        }
        InternalKey.Write(_keyScratch, InternalKey.UserKey(ikey), InternalKey.Trailer(ikey) >> 8, type);
        return _keyScratch.AsSpan(0, ikey.Length);
    }

    /// <summary>Index of the snapshot stripe holding <paramref name="sequence"/>: the first snapshot &gt;= it, or the count.</summary>
    private int StripeOf(ulong sequence)
    {
        ulong[] s = _snapshots;
        int lo = 0;
        int hi = s.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (s[mid] < sequence)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private void OpenBuilder()
    {
        _builderNumber = _db.NewFileNumber();
        _db.TableOutputFaultHook?.Invoke(_outputLevel, _builderNumber);
        _builderOptions.CreationTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Flushes (and the flushes of open) have no bottommost check; compactions always have one.
        var reason = _bottommostCheck is null ? TableFileCreationReason.Flush : TableFileCreationReason.Compaction;
        _builderOptions.Collectors = TablePropertiesCollectorSet.Create(_cf.Options.TablePropertiesCollectorFactories,
            new TablePropertiesCollectorContext(_cf.Id, _cf.Name, _outputLevel, reason));
        _builder = new TableBuilder(_db.TableFilePath(_builderNumber), _builderOptions);
    }

    /// <summary>Finishes the current output; its key range ends before <paramref name="upperBound"/> (null: unbounded).</summary>
    private void FinishBuilder(byte[]? upperBound)
    {
        TableBuilder builder = _builder!;
        _builder = null;
        (byte[]? tombSmallest, byte[]? tombLargest, ulong tombMinSeq, ulong tombMaxSeq) = AttachTombstones(builder, upperBound);
        TableProperties props = builder.Finish(sync: true);
        BytesWritten += props.FileSize;
        byte[] smallest = props.SmallestKey;
        byte[] largest = props.LargestKey;
        ulong smallestSeq = props.SmallestSequence;
        ulong largestSeq = props.LargestSequence;
        bool hasPoints = props.NumEntries > 0;
        if (tombSmallest is not null)
        {
            smallest = !hasPoints || InternalKey.Compare(tombSmallest, smallest) < 0 ? tombSmallest : smallest;
            largest = !hasPoints || InternalKey.Compare(tombLargest!, largest) > 0 ? tombLargest! : largest;
            smallestSeq = hasPoints ? Math.Min(smallestSeq, tombMinSeq) : tombMinSeq;
            largestSeq = hasPoints ? Math.Max(largestSeq, tombMaxSeq) : tombMaxSeq;
        }
        var output = new FileMetaData(_builderNumber, props.FileSize, smallest, largest, smallestSeq, largestSeq)
        {
            HasRangeDeletions = tombSmallest is not null,
        };
        output.SetStats(props);
        _outputs.Add(output);
        _outputProperties.Add(props);
        _fileLowerBound = upperBound;
        _db.LoadNewTableReader(_builderNumber, props.FileSize);
    }

    /// <summary>
    /// Gives the builder the kept tombstone pieces inside [current lower bound, <paramref name="upperBound"/>).
    /// Returns the file-boundary keys they add: (start, newest seq, RangeDeletion) and the exclusive-end sentinel
    /// (end, max seq, RangeDeletion), which sorts before every real entry of the key <c>end</c>.
    /// </summary>
    private (byte[]? Smallest, byte[]? Largest, ulong MinSeq, ulong MaxSeq) AttachTombstones(TableBuilder builder, byte[]? upperBound)
    {
        if (_fragmentCursor >= _keptFragments.Count)
        {
            return (null, null, 0, 0);
        }
        var pieces = new List<RangeTombstone>();
        byte[]? first = null;
        ulong firstSeq = 0;
        byte[]? lastEnd = null;
        ulong minSeq = ulong.MaxValue;
        ulong maxSeq = 0;
        while (_fragmentCursor < _keptFragments.Count)
        {
            FragmentedRangeTombstones.Fragment f = _keptFragments[_fragmentCursor];
            if (upperBound is not null && f.Start.AsSpan().SequenceCompareTo(upperBound) >= 0)
            {
                break;
            }
            byte[] start = _fileLowerBound is not null && f.Start.AsSpan().SequenceCompareTo(_fileLowerBound) < 0 ? _fileLowerBound : f.Start;
            bool continues = upperBound is not null && f.End.AsSpan().SequenceCompareTo(upperBound) > 0;
            byte[] end = continues ? upperBound! : f.End;
            if (start.AsSpan().SequenceCompareTo(end) < 0)
            {
                foreach (ulong seq in f.Sequences)
                {
                    pieces.Add(new RangeTombstone(start, end, seq));
                    minSeq = Math.Min(minSeq, seq);
                    maxSeq = Math.Max(maxSeq, seq);
                }
                if (first is null)
                {
                    first = start;
                    firstSeq = f.Sequences[0];
                }
                lastEnd = end;
            }
            if (continues)
            {
                break; // the rest of this fragment belongs to the next output
            }
            _fragmentCursor++;
        }
        if (pieces.Count == 0)
        {
            return (null, null, 0, 0);
        }
        builder.SetRangeTombstones(FragmentedRangeTombstones.Create(pieces));
        return (InternalKey.Create(first!, firstSeq, ValueType.RangeDeletion),
            InternalKey.Create(lastEnd!, SequenceNumber.Max, ValueType.RangeDeletion), minSeq, maxSeq);
    }

    /// <summary>Deletes every output written so far (the job failed or was cancelled).</summary>
    public void Abandon()
    {
        _builder?.Abandon();
        _builder = null;
        foreach (FileMetaData f in _outputs)
        {
            _db.EvictTableReader(f.Number);
            try
            {
                File.Delete(_db.TableFilePath(f.Number));
            }
            catch (IOException)
            {
                // Removed by the next open's scan of unreferenced files.
            }
        }
        _outputs.Clear();
    }
}
