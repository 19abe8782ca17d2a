namespace ManagedKv.Raft;

/// <summary>
/// An in-memory <see cref="IRaftStorage"/> (etcd's MemoryStorage), for tests and for groups whose log lives in
/// memory. Thread-safe: the application may write from one thread while the node reads from another.
/// Invariant: <c>_entries[0]</c> is a dummy entry holding the snapshot's index and term; real entries follow at
/// consecutive indices.
/// </summary>
public sealed class MemoryRaftStorage : IRaftStorage
{
    private readonly Lock _lock = new(); // guards every field below
    private readonly List<Entry> _entries = [new Entry(0, 0, EntryType.EntryNormal, default)];
    private HardState _hardState;
    private Snapshot _snapshot = Raft.Snapshot.Empty;

    /// <summary>Creates an empty storage.</summary>
    public MemoryRaftStorage()
    {
    }

    /// <summary>Creates a storage for a new group whose initial configuration is <paramref name="confState"/>.</summary>
    public MemoryRaftStorage(ConfState confState)
    {
        _snapshot = new Snapshot(0, 0, confState, default);
    }

    /// <summary>A snapshot of the stored entries (for tests and diagnostics).</summary>
    public Entry[] AllEntries()
    {
        lock (_lock)
        {
            return _entries.GetRange(1, _entries.Count - 1).ToArray();
        }
    }

    /// <inheritdoc/>
    public RaftState InitialState()
    {
        lock (_lock)
        {
            return new RaftState(_hardState, _snapshot.ConfState);
        }
    }

    /// <summary>The stored hard state.</summary>
    public HardState HardState
    {
        get
        {
            lock (_lock)
            {
                return _hardState;
            }
        }
    }

    /// <summary>Saves the hard state.</summary>
    public void SetHardState(HardState hardState)
    {
        lock (_lock)
        {
            _hardState = hardState;
        }
    }

    /// <summary>Replaces the configuration recorded in the current snapshot metadata (used to bootstrap a group).</summary>
    public void SetConfState(ConfState confState)
    {
        lock (_lock)
        {
            _snapshot = new Snapshot(_snapshot.Index, _snapshot.Term, confState, _snapshot.Data);
        }
    }

    /// <inheritdoc/>
    public StorageStatus Entries(ulong lo, ulong hi, ulong maxSize, List<Entry> output)
    {
        lock (_lock)
        {
            ulong offset = _entries[0].Index;
            if (lo <= offset)
            {
                return StorageStatus.Compacted;
            }

            if (hi > LastIndexLocked() + 1)
            {
                return StorageStatus.Unavailable;
            }

            long size = 0;
            for (ulong i = lo; i < hi; i++)
            {
                Entry e = _entries[(int)(i - offset)];
                size += e.SizeBytes;
                if (i > lo && (ulong)size > maxSize)
                {
                    break;
                }

                output.Add(e);
            }

            return StorageStatus.Ok;
        }
    }

    /// <inheritdoc/>
    public StorageStatus Term(ulong index, out ulong term)
    {
        lock (_lock)
        {
            ulong offset = _entries[0].Index;
            term = 0;
            if (index < offset)
            {
                return StorageStatus.Compacted;
            }

            if (index - offset >= (ulong)_entries.Count)
            {
                return StorageStatus.Unavailable;
            }

            term = _entries[(int)(index - offset)].Term;
            return StorageStatus.Ok;
        }
    }

    /// <inheritdoc/>
    public ulong FirstIndex()
    {
        lock (_lock)
        {
            return _entries[0].Index + 1;
        }
    }

    /// <inheritdoc/>
    public ulong LastIndex()
    {
        lock (_lock)
        {
            return LastIndexLocked();
        }
    }

    /// <inheritdoc/>
    public Snapshot? Snapshot()
    {
        lock (_lock)
        {
            return _snapshot;
        }
    }

    /// <summary>Replaces the contents with a snapshot received from the leader. Returns false (no change) if it is
    /// older than the current snapshot.</summary>
    public bool ApplySnapshot(Snapshot snapshot)
    {
        lock (_lock)
        {
            if (snapshot.Index < _snapshot.Index)
            {
                return false;
            }

            _snapshot = snapshot;
            _entries.Clear();
            _entries.Add(new Entry(snapshot.Term, snapshot.Index, EntryType.EntryNormal, default));
            return true;
        }
    }

    /// <summary>Makes a snapshot at <paramref name="index"/> (at most the last index) from the application's state.</summary>
    public Snapshot CreateSnapshot(ulong index, ConfState confState, ReadOnlyMemory<byte> data)
    {
        lock (_lock)
        {
            if (index <= _snapshot.Index)
            {
                return _snapshot;
            }

            ulong offset = _entries[0].Index;
            if (index > LastIndexLocked())
            {
                throw new InvalidOperationException($"snapshot index {index} is out of bound, last index {LastIndexLocked()}");
            }

            _snapshot = new Snapshot(index, _entries[(int)(index - offset)].Term, confState, data);
            return _snapshot;
        }
    }

    /// <summary>Discards the entries up to <paramref name="compactIndex"/> (which must be applied and covered by a
    /// snapshot the application can produce). The entry at <paramref name="compactIndex"/> stays as the dummy.</summary>
    public void Compact(ulong compactIndex)
    {
        lock (_lock)
        {
            ulong offset = _entries[0].Index;
            if (compactIndex <= offset)
            {
                return;
            }

            if (compactIndex > LastIndexLocked())
            {
                throw new InvalidOperationException($"compact {compactIndex} is out of bound, last index {LastIndexLocked()}");
            }

            int drop = (int)(compactIndex - offset);
            Entry dummy = _entries[drop];
            _entries.RemoveRange(0, drop);
            _entries[0] = new Entry(dummy.Term, dummy.Index, EntryType.EntryNormal, default);
        }
    }

    /// <summary>Appends entries persisted from a <see cref="Ready"/>, truncating any conflicting suffix first.
    /// Entries already compacted are ignored.</summary>
    public void Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return;
        }

        lock (_lock)
        {
            ulong first = _entries[0].Index + 1;
            ulong last = entries[^1].Index;
            if (last < first)
            {
                return;
            }

            if (first > entries[0].Index)
            {
                entries = entries.Slice((int)(first - entries[0].Index));
            }

            ulong offset = entries[0].Index - _entries[0].Index;
            if ((ulong)_entries.Count > offset)
            {
                _entries.RemoveRange((int)offset, _entries.Count - (int)offset);
            }
            else if ((ulong)_entries.Count < offset)
            {
                throw new InvalidOperationException($"missing log entry [last: {LastIndexLocked()}, append at: {entries[0].Index}]");
            }

            _entries.AddRange(entries);
        }
    }

    private ulong LastIndexLocked() => _entries[0].Index + (ulong)_entries.Count - 1;
}
