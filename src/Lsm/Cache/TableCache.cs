using ManagedKv.Lsm.Util;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// A bounded LRU of open <see cref="TableReader"/>s keyed by file number (RocksDB's table cache). The cache holds one
/// reference per reader; <see cref="Acquire"/> hands out another, which the caller drops with
/// <see cref="TableReader.Unref"/>. Evicting a reader (LRU bound or <see cref="Evict"/>) drops only the cache's
/// reference, so readers in use stay open until their last user lets go — the number of open files may exceed the
/// bound by the readers in use. Thread-safe; a hit takes one lock and allocates nothing. A miss opens the file outside
/// the lock; when two threads open the same file at once, the loser's reader is closed.
/// </summary>
internal sealed class TableCache : IDisposable
{
    private readonly Func<ulong, string> _pathOfFileNumber;
    private readonly int _maxOpenFiles;
    private readonly TableReaderOptions _options;
    private readonly Lock _lock = new(); // guards _map, _lru, _memoryUsage, _disposed
    private readonly Dictionary<ulong, LinkedListNode<TableReader>> _map = new();
    private readonly LinkedList<TableReader> _lru = new(); // first = most recently used
    private long _memoryUsage;
    private bool _disposed;
    // Invariant: _map and _lru hold the same readers; _memoryUsage == sum of their MemoryUsage.

    /// <param name="pathOfFileNumber">Maps a file number to its SST path.</param>
    /// <param name="maxOpenFiles">Readers kept open; -1 = unbounded, otherwise at least 1.</param>
    /// <param name="options">Options for every reader this cache opens.</param>
    public TableCache(Func<ulong, string> pathOfFileNumber, int maxOpenFiles, TableReaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(pathOfFileNumber);
        ArgumentNullException.ThrowIfNull(options);
        if (maxOpenFiles < 1 && maxOpenFiles != -1)
        {
            ThrowHelper.ThrowArgument($"maxOpenFiles must be -1 (unbounded) or at least 1, got {maxOpenFiles}", nameof(maxOpenFiles));
        }
        _pathOfFileNumber = pathOfFileNumber;
        _maxOpenFiles = maxOpenFiles;
        _options = options;
    }

    /// <summary>The bound on readers kept: -1 (unbounded) or at least 1.</summary>
    public int Capacity => _maxOpenFiles;

    /// <summary>Readers held by the cache.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    /// <summary>Sum of the cached readers' <see cref="TableReader.MemoryUsage"/> (pinned index and filter bytes).</summary>
    public long MemoryUsage
    {
        get
        {
            lock (_lock)
            {
                return _memoryUsage;
            }
        }
    }

    /// <summary>The reader of a version's file (with its global sequence number); see the other overload.</summary>
    public TableReader Acquire(FileMetaData file) => Acquire(file.Number, file.FileSize, file.GlobalSequence);

    /// <summary>
    /// Returns the reader of file <paramref name="fileNumber"/> (of <paramref name="fileSize"/> bytes, read at
    /// <paramref name="globalSequence"/> when it is an ingested external file, else 0), opening it if needed, with a
    /// reference the caller must drop with <see cref="TableReader.Unref"/>. A file number's size and global sequence
    /// never change, so the cached reader is keyed by number alone. Opening failures
    /// (<see cref="CorruptionException"/>, IO errors) propagate and cache nothing.
    /// </summary>
    public TableReader Acquire(ulong fileNumber, long fileSize, ulong globalSequence)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_map.TryGetValue(fileNumber, out LinkedListNode<TableReader>? node))
            {
                Touch(node);
                node.Value.Ref();
                return node.Value;
            }
        }

        TableReader opened = Open(fileNumber, fileSize, globalSequence);
        List<TableReader>? evicted = null;
        TableReader result;
        lock (_lock)
        {
            if (_disposed)
            {
                opened.Unref();
                ObjectDisposedException.ThrowIf(true, this);
            }
            if (_map.TryGetValue(fileNumber, out LinkedListNode<TableReader>? node))
            {
                Touch(node);         // another thread opened it first
                result = node.Value;
                result.Ref();
            }
            else
            {
                _map.Add(fileNumber, _lru.AddFirst(opened));
                _memoryUsage += opened.MemoryUsage;
                result = opened;
                result.Ref();
                opened = null!;
                while (_maxOpenFiles != -1 && _map.Count > _maxOpenFiles)
                {
                    LinkedListNode<TableReader> victim = _lru.Last!;
                    RemoveLocked(victim);
                    (evicted ??= new List<TableReader>()).Add(victim.Value);
                }
            }
        }
        opened?.Unref();
        if (evicted != null)
        {
            foreach (TableReader reader in evicted)
            {
                reader.Unref(); // closes the file unless someone still reads it
            }
        }
        return result;
    }

    /// <summary>Drops the cache's reader of <paramref name="fileNumber"/> (e.g. the file became obsolete).</summary>
    public void Evict(ulong fileNumber)
    {
        TableReader? reader = null;
        lock (_lock)
        {
            if (_map.TryGetValue(fileNumber, out LinkedListNode<TableReader>? node))
            {
                RemoveLocked(node);
                reader = node.Value;
            }
        }
        reader?.Unref();
    }

    /// <summary>Drops every cached reader; later Acquire calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        List<TableReader> readers;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            readers = new List<TableReader>(_lru);
            _map.Clear();
            _lru.Clear();
            _memoryUsage = 0;
        }
        foreach (TableReader reader in readers)
        {
            reader.Unref();
        }
    }

    private TableReader Open(ulong fileNumber, long fileSize, ulong globalSequence)
    {
        string path = _pathOfFileNumber(fileNumber);
        IRandomAccessFile file = _options.UseMemoryMap ? MemoryMappedRandomAccessFile.Open(path, _options.BlockCache) : RandomAccessFile.Open(path);
        return TableReader.Open(file, path, fileNumber, fileSize, _options, globalSequence);
    }

    private void Touch(LinkedListNode<TableReader> node)
    {
        if (node != _lru.First)
        {
            _lru.Remove(node);
            _lru.AddFirst(node);
        }
    }

    private void RemoveLocked(LinkedListNode<TableReader> node)
    {
        _map.Remove(node.Value.FileNumber);
        _lru.Remove(node);
        _memoryUsage -= node.Value.MemoryUsage;
    }
}
