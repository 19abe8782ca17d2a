using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// Iterates a sorted run of disjoint files (one level of L1..Ln), opening one table at a time as the cursor
/// crosses file boundaries. One <see cref="OwnedTableIterator"/> is reset onto each file in turn, so a seek that
/// lands in another file allocates nothing. Not thread-safe. The file list belongs to a version the caller keeps
/// referenced.
/// During an active prefix seek (<see cref="PrefixSeekState"/>) the level turns invalid when the file a seek lands in
/// is ruled out by its filter (the prefix's keys are contiguous, so no other file of the level holds them), and it
/// does not step into a neighbour file whose boundary key has another prefix.
/// </summary>
internal sealed class LevelIterator : IInternalIterator
{
    private readonly TableCache _cache;
    private readonly List<FileMetaData> _files;
    private readonly bool _fillCache;
    private readonly PrefixSeekState? _prefix;
    private readonly OwnedTableIterator _table;
    private int _fileIndex = -1;
    private OwnedTableIterator? _current; // _table while it is bound to _files[_fileIndex], else null

    public LevelIterator(TableCache cache, List<FileMetaData> files, bool fillCache, PrefixSeekState? prefix = null)
    {
        _prefix = prefix;
        _cache = cache;
        _files = files;
        _fillCache = fillCache;
        _table = new OwnedTableIterator(prefix);
    }

    public bool Valid => _current is not null && _current.Valid;

    public ReadOnlySpan<byte> Key => _current!.Key;

    public ReadOnlySpan<byte> Value => _current!.Value;

    public void SeekToFirst()
    {
        Open(0);
        _current?.SeekToFirst();
        SkipEmptyForward();
    }

    public void SeekToLast()
    {
        Open(_files.Count - 1);
        _current?.SeekToLast();
        SkipEmptyBackward();
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        // First file whose largest internal key >= target.
        int lo = 0;
        int hi = _files.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.Compare(_files[mid].Largest, target) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        Open(lo);
        _current?.Seek(target);
        if (_current is { FilteredOut: true })
        {
            Close();
            return;
        }
        SkipEmptyForward();
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        // Last file whose smallest internal key <= target.
        int lo = 0;
        int hi = _files.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (InternalKey.Compare(_files[mid].Smallest, target) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        Open(lo - 1);
        _current?.SeekForPrev(target);
        if (_current is { FilteredOut: true })
        {
            Close();
            return;
        }
        SkipEmptyBackward();
    }

    public void Next()
    {
        _current!.Next();
        SkipEmptyForward();
    }

    public void Prev()
    {
        _current!.Prev();
        SkipEmptyBackward();
    }

    private void SkipEmptyForward()
    {
        while (_current is not null && !_current.Valid)
        {
            if (_fileIndex + 1 >= _files.Count
                || (_prefix is { Active: true } p && !p.HasPrefix(_files[_fileIndex + 1].SmallestUserKey)))
            {
                Close();
                return;
            }
            Open(_fileIndex + 1);
            _current!.SeekToFirst();
        }
    }

    private void SkipEmptyBackward()
    {
        while (_current is not null && !_current.Valid)
        {
            if (_fileIndex <= 0
                || (_prefix is { Active: true } p && !p.HasPrefix(_files[_fileIndex - 1].LargestUserKey)))
            {
                Close();
                return;
            }
            Open(_fileIndex - 1);
            _current!.SeekToLast();
        }
    }

    private void Open(int index)
    {
        if (index < 0 || index >= _files.Count)
        {
            Close();
            return;
        }
        if (_current is not null && index == _fileIndex)
        {
            return;
        }
        Close();
        FileMetaData f = _files[index];
        _table.Reset(_cache.Acquire(f), _fillCache);
        _current = _table;
        _fileIndex = index;
    }

    private void Close()
    {
        _current = null;
        _fileIndex = -1;
        _table.Dispose(); // drops the blocks and the table reference; the iterator stays reusable
    }

    public void Dispose() => Close();
}
