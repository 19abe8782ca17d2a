namespace ManagedKv.Raft;

/// <summary>
/// The tail of the log not yet persisted: an incoming snapshot and/or entries (etcd's unstable). Entries and the
/// snapshot handed out in a <see cref="Ready"/> are "in progress" until the application reports them persisted.
/// Invariant: <c>_entries[i]</c> has index <see cref="Offset"/> + i; <see cref="Offset"/> &lt;=
/// <see cref="OffsetInProgress"/> &lt;= <see cref="Offset"/> + count; with a snapshot,
/// <see cref="Offset"/> = snapshot index + 1.
/// </summary>
internal sealed class Unstable
{
    private readonly List<Entry> _entries = [];

    public Unstable(ulong offset)
    {
        Offset = offset;
        OffsetInProgress = offset;
    }

    public Snapshot? Snapshot { get; private set; }

    public bool SnapshotInProgress { get; private set; }

    public ulong Offset { get; private set; }

    public ulong OffsetInProgress { get; private set; }

    public int Count => _entries.Count;

    public bool TryFirstIndex(out ulong index)
    {
        index = Snapshot is null ? 0 : Snapshot.Index + 1;
        return Snapshot is not null;
    }

    public bool TryLastIndex(out ulong index)
    {
        if (_entries.Count > 0)
        {
            index = Offset + (ulong)_entries.Count - 1;
            return true;
        }

        index = Snapshot is null ? 0 : Snapshot.Index;
        return Snapshot is not null;
    }

    public bool TryTerm(ulong index, out ulong term)
    {
        term = 0;
        if (index < Offset)
        {
            if (Snapshot is not null && Snapshot.Index == index)
            {
                term = Snapshot.Term;
                return true;
            }

            return false;
        }

        if (!TryLastIndex(out ulong last) || index > last)
        {
            return false;
        }

        term = _entries[(int)(index - Offset)].Term;
        return true;
    }

    /// <summary>Entries not yet handed out for persistence.</summary>
    public Entry[] NextEntries()
    {
        int inProgress = (int)(OffsetInProgress - Offset);
        if (inProgress >= _entries.Count)
        {
            return [];
        }

        return _entries.GetRange(inProgress, _entries.Count - inProgress).ToArray();
    }

    public bool HasNextEntries => (int)(OffsetInProgress - Offset) < _entries.Count;

    /// <summary>The snapshot if it was not yet handed out for persistence.</summary>
    public Snapshot? NextSnapshot() => SnapshotInProgress ? null : Snapshot;

    /// <summary>Marks everything currently unstable as handed out.</summary>
    public void AcceptInProgress()
    {
        if (_entries.Count > 0)
        {
            OffsetInProgress = _entries[^1].Index + 1;
        }

        if (Snapshot is not null)
        {
            SnapshotInProgress = true;
        }
    }

    /// <summary>Drops the entries up to <paramref name="index"/> once persisted, if the entry there still has
    /// <paramref name="term"/> (a conflicting append may have replaced it meanwhile).</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (!TryTerm(index, out ulong t) || index < Offset || t != term)
        {
            return;
        }

        int num = (int)(index + 1 - Offset);
        _entries.RemoveRange(0, num);
        Offset = index + 1;
        OffsetInProgress = Math.Max(OffsetInProgress, Offset);
    }

    public void StableSnapTo(ulong index)
    {
        if (Snapshot is not null && Snapshot.Index == index)
        {
            Snapshot = null;
            SnapshotInProgress = false;
        }
    }

    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Index + 1;
        OffsetInProgress = Offset;
        _entries.Clear();
        Snapshot = snapshot;
        SnapshotInProgress = false;
    }

    public void TruncateAndAppend(ReadOnlySpan<Entry> entries)
    {
        ulong fromIndex = entries[0].Index;
        ulong end = Offset + (ulong)_entries.Count;
        if (fromIndex == end)
        {
            // The common case: append directly.
        }
        else if (fromIndex <= Offset)
        {
            // Replace everything unstable, starting at fromIndex.
            _entries.Clear();
            Offset = fromIndex;
        }
        else
        {
            // Keep [Offset, fromIndex) and replace the rest.
            int keep = (int)(fromIndex - Offset);
            if (keep > _entries.Count)
            {
                throw new InvalidOperationException($"unstable append at {fromIndex} leaves a gap after {end - 1}");
            }

            _entries.RemoveRange(keep, _entries.Count - keep);
        }

        OffsetInProgress = Math.Min(OffsetInProgress, fromIndex);
        OffsetInProgress = Math.Max(OffsetInProgress, Offset);
        foreach (Entry e in entries)
        {
            _entries.Add(e);
        }
    }

    /// <summary>The entry at <paramref name="index"/>. REQUIRES: Offset &lt;= index &lt;= last.</summary>
    public Entry EntryAt(ulong index) => _entries[(int)(index - Offset)];

    /// <summary>Appends entries in [lo, hi) to <paramref name="output"/>. REQUIRES: Offset &lt;= lo &lt;= hi &lt;= last + 1.</summary>
    public void Slice(ulong lo, ulong hi, List<Entry> output)
    {
        if (lo < Offset || hi > Offset + (ulong)_entries.Count || lo > hi)
        {
            throw new InvalidOperationException($"unstable.slice[{lo},{hi}) out of bound [{Offset},{Offset + (ulong)_entries.Count}]");
        }

        for (ulong i = lo; i < hi; i++)
        {
            output.Add(_entries[(int)(i - Offset)]);
        }
    }
}
