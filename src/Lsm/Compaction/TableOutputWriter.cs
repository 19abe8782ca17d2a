using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
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

    private TableBuilder? _builder;
    private ulong _builderNumber;
    private readonly List<FileMetaData> _outputs = new();
    private readonly List<TableProperties> _outputProperties = new();

    public TableOutputWriter(LsmDb db, ColumnFamily cf, int outputLevel, ulong[] snapshots, Version.Version? bottommostCheck, long targetFileSize)
    {
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
            Compression = o.CompressionForLevel(outputLevel),
            ColumnFamilyName = cf.Name,
            ColumnFamilyId = cf.Id,
        };
    }

    public List<FileMetaData> Outputs => _outputs;

    public List<TableProperties> OutputProperties => _outputProperties;

    public long BytesWritten { get; private set; }

    public long EntriesIn { get; private set; }

    public long EntriesDropped { get; private set; }

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
                        FinishBuilder();
                    }
                }

                int stripe = StripeOf(sequence);
                if (dropRestOfKey || stripe == lastStripe)
                {
                    EntriesDropped++; // hidden by a newer entry every reader sees first
                    continue;
                }
                lastStripe = stripe;

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
                _builder!.Add(ikey, input.Value);
            }
            if (_builder is not null)
            {
                FinishBuilder();
            }
        }
        catch
        {
            Abandon();
            throw;
        }
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
        _builderOptions.CreationTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Flushes (and the flushes of open) have no bottommost check; compactions always have one.
        var reason = _bottommostCheck is null ? TableFileCreationReason.Flush : TableFileCreationReason.Compaction;
        _builderOptions.Collectors = TablePropertiesCollectorSet.Create(_cf.Options.TablePropertiesCollectorFactories,
            new TablePropertiesCollectorContext(_cf.Id, _cf.Name, _outputLevel, reason));
        _builder = new TableBuilder(_db.TableFilePath(_builderNumber), _builderOptions);
    }

    private void FinishBuilder()
    {
        TableBuilder builder = _builder!;
        _builder = null;
        TableProperties props = builder.Finish(sync: true);
        BytesWritten += props.FileSize;
        _outputs.Add(new FileMetaData(_builderNumber, props.FileSize, props.SmallestKey, props.LargestKey, props.SmallestSequence, props.LargestSequence));
        _outputProperties.Add(props);
    }

    /// <summary>Deletes every output written so far (the job failed or was cancelled).</summary>
    public void Abandon()
    {
        _builder?.Abandon();
        _builder = null;
        foreach (FileMetaData f in _outputs)
        {
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
