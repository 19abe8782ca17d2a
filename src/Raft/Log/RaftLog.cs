using System.Runtime.InteropServices;

namespace ManagedKv.Raft;

/// <summary>
/// A node's log: the persisted part in <see cref="IRaftStorage"/> followed by the <see cref="Unstable"/> tail
/// (etcd's raftLog, with raft-rs's persisted index).
/// Invariant: <see cref="Applied"/> &lt;= <see cref="Applying"/> &lt;= <see cref="Committed"/>;
/// <see cref="Persisted"/> &lt;= last index; committed entries are applied only up to
/// min(<see cref="Committed"/>, <see cref="Persisted"/>).
/// </summary>
internal sealed class RaftLog
{
    private readonly IRaftStorage _storage;
    private readonly List<Entry> _scratch = [];

    public RaftLog(IRaftStorage storage, ulong maxApplyingSize, EntryChunkPool pool)
    {
        _storage = storage;
        Pool = pool;
        ulong first = storage.FirstIndex();
        ulong last = storage.LastIndex();
        Unstable = new Unstable(last + 1, pool);
        Committed = first - 1;
        Applying = first - 1;
        Applied = first - 1;
        Persisted = last;
        MaxApplyingSize = maxApplyingSize;
    }

    public Unstable Unstable { get; }

    /// <summary>The node's entry memory (unstable chunks and the copy arena).</summary>
    public EntryChunkPool Pool { get; }

    public IRaftStorage Storage => _storage;

    /// <summary>The highest index known to be committed.</summary>
    public ulong Committed { get; private set; }

    /// <summary>The highest index handed to the application for applying.</summary>
    public ulong Applying { get; private set; }

    /// <summary>The highest index the application reported applied.</summary>
    public ulong Applied { get; private set; }

    /// <summary>The highest index known to be persisted locally.</summary>
    public ulong Persisted { get; private set; }

    public ulong MaxApplyingSize { get; }

    public ulong FirstIndex() => Unstable.TryFirstIndex(out ulong i) ? i : _storage.FirstIndex();

    public ulong LastIndex() => Unstable.TryLastIndex(out ulong i) ? i : _storage.LastIndex();

    public ulong LastTerm()
    {
        StorageStatus s = TryTerm(LastIndex(), out ulong t);
        if (s != StorageStatus.Ok)
        {
            throw new InvalidOperationException($"unexpected {s} reading the term of the last entry {LastIndex()}");
        }

        return t;
    }

    public StorageStatus TryTerm(ulong index, out ulong term)
    {
        if (Unstable.TryTerm(index, out term))
        {
            return StorageStatus.Ok;
        }

        // The valid range is [FirstIndex - 1, LastIndex]; FirstIndex - 1 is the snapshot (dummy) index.
        if (index + 1 < FirstIndex())
        {
            term = 0;
            return StorageStatus.Compacted;
        }

        if (index > LastIndex())
        {
            term = 0;
            return StorageStatus.Unavailable;
        }

        return _storage.Term(index, out term);
    }

    /// <summary>The term at <paramref name="index"/>, or 0 when it is compacted or not there.</summary>
    public ulong ZeroTermOnOutOfBounds(ulong index) => TryTerm(index, out ulong t) == StorageStatus.Ok ? t : 0;

    public bool MatchTerm(ulong index, ulong term) => TryTerm(index, out ulong t) == StorageStatus.Ok && t == term;

    /// <summary>Raft §5.4.1: is a log ending at (<paramref name="lastIndex"/>, <paramref name="term"/>) at least as
    /// up to date as ours?</summary>
    public bool IsUpToDate(ulong lastIndex, ulong term)
    {
        ulong ourTerm = LastTerm();
        return term > ourTerm || (term == ourTerm && lastIndex >= LastIndex());
    }

    /// <summary>
    /// Raft §5.3 AppendEntries receiver: if our entry at <paramref name="index"/> has <paramref name="logTerm"/>,
    /// appends <paramref name="entries"/> (truncating any conflicting suffix) and advances the commit index.
    /// Returns false if the consistency check fails.
    /// </summary>
    public bool MaybeAppend(ulong index, ulong logTerm, ulong committed, ReadOnlySpan<Entry> entries, out ulong lastNewIndex)
    {
        lastNewIndex = 0;
        if (!MatchTerm(index, logTerm))
        {
            return false;
        }

        lastNewIndex = index + (ulong)entries.Length;
        ulong conflict = FindConflict(entries);
        if (conflict != 0)
        {
            if (conflict <= Committed)
            {
                throw new InvalidOperationException($"entry {conflict} conflicts with committed entry [committed({Committed})]");
            }

            Append(entries.Slice((int)(conflict - (index + 1))));
        }

        CommitTo(Math.Min(committed, lastNewIndex));
        return true;
    }

    public ulong Append(ReadOnlySpan<Entry> entries)
    {
        if (entries.IsEmpty)
        {
            return LastIndex();
        }

        ulong after = entries[0].Index - 1;
        if (after < Committed)
        {
            throw new InvalidOperationException($"after({after}) is out of range [committed({Committed})]");
        }

        Unstable.TruncateAndAppend(entries);
        if (after < Persisted)
        {
            // The truncated suffix was persisted but is replaced now; it is persisted again later.
            Persisted = after;
        }

        return LastIndex();
    }

    /// <summary>Room for <paramref name="count"/> entries after the last one, filled by the caller at once (the leader
    /// stamps its proposals straight into the log).</summary>
    public Span<Entry> ReserveAppend(int count) => Unstable.Reserve(LastIndex() + 1, count);

    /// <summary>The index of the first entry whose term differs from ours (or that we lack), or 0.</summary>
    public ulong FindConflict(ReadOnlySpan<Entry> entries)
    {
        foreach (Entry e in entries)
        {
            if (!MatchTerm(e.Index, e.Term))
            {
                return e.Index;
            }
        }

        return 0;
    }

    /// <summary>
    /// Fast log backtracking: the largest index &lt;= <paramref name="index"/> whose term is &lt;= <paramref name="term"/>,
    /// and that term (0 if unknown). Every entry above it has a larger term, so it cannot match.
    /// </summary>
    public ulong FindConflictByTerm(ulong index, ulong term, out ulong foundTerm)
    {
        for (; index > 0; index--)
        {
            StorageStatus s = TryTerm(index, out ulong ourTerm);
            if (s != StorageStatus.Ok)
            {
                foundTerm = 0;
                return index;
            }

            if (ourTerm <= term)
            {
                foundTerm = ourTerm;
                return index;
            }
        }

        foundTerm = 0;
        return 0;
    }

    public void CommitTo(ulong toCommit)
    {
        if (Committed < toCommit)
        {
            if (LastIndex() < toCommit)
            {
                throw new InvalidOperationException($"tocommit({toCommit}) is out of range [lastIndex({LastIndex()})]");
            }

            Committed = toCommit;
        }
    }

    /// <summary>Raft §5.4.2: commits <paramref name="maxIndex"/> only if its entry is of the current term.</summary>
    public bool MaybeCommit(ulong maxIndex, ulong term)
    {
        if (maxIndex > Committed && ZeroTermOnOutOfBounds(maxIndex) == term)
        {
            CommitTo(maxIndex);
            return true;
        }

        return false;
    }

    public void AppliedTo(ulong index)
    {
        if (index == 0)
        {
            return;
        }

        if (Committed < index || index < Applied)
        {
            throw new InvalidOperationException($"applied({index}) is out of range [prevApplied({Applied}), committed({Committed})]");
        }

        Applied = index;
        Applying = Math.Max(Applying, index);
        Unstable.TrimCache(index);
    }

    public void AcceptApplying(ulong index) => Applying = Math.Max(Applying, index);

    public void StableTo(ulong index, ulong term)
    {
        Unstable.StableTo(index, term);

        // Only mark persisted what is in storage now with the same term, below anything still unstable.
        ulong firstUpdate = Unstable.Snapshot is not null ? Unstable.Snapshot.Index : Unstable.Offset;
        if (index > Persisted && index < firstUpdate && _storage.Term(index, out ulong t) == StorageStatus.Ok && t == term)
        {
            Persisted = index;
        }
    }

    public void StableSnapTo(ulong index)
    {
        Unstable.StableSnapTo(index);
        if (index > Persisted)
        {
            Persisted = index;
        }

        // Persisting a snapshot includes installing it into the state machine.
        if (index > Applied)
        {
            Applied = index;
            Applying = Math.Max(Applying, index);
        }
    }

    public void Restore(Snapshot snapshot)
    {
        Committed = snapshot.Index;
        Unstable.Restore(snapshot);
        if (Persisted > snapshot.Index)
        {
            // The snapshot is persisted before any later entry.
            Persisted = snapshot.Index;
        }
    }

    public bool HasNextOrInProgressSnapshot => Unstable.Snapshot is not null;

    public Snapshot? NextUnstableSnapshot() => Unstable.NextSnapshot();

    public bool HasNextUnstableSnapshot => Unstable.NextSnapshot() is not null;

    /// <summary>The largest index the application may apply: committed and persisted locally.</summary>
    public ulong MaxAppliableIndex => Math.Min(Committed, Persisted);

    public bool HasNextCommittedEntries()
    {
        if (HasNextOrInProgressSnapshot)
        {
            return false;
        }

        return Applying + 1 <= MaxAppliableIndex;
    }

    /// <summary>Committed entries not yet handed out for applying, bounded by <see cref="MaxApplyingSize"/>; the
    /// slice is held by the next Ready.</summary>
    public EntrySlice NextCommittedEntries()
    {
        if (!HasNextCommittedEntries())
        {
            return default;
        }

        ulong lo = Applying + 1;
        ulong hi = MaxAppliableIndex + 1;
        StorageStatus s = Slice(lo, hi, MaxApplyingSize, out EntrySlice entries);
        if (s != StorageStatus.Ok)
        {
            throw new InvalidOperationException($"unexpected {s} reading committed entries [{lo}, {hi})");
        }

        return entries;
    }

    /// <summary>Entries from <paramref name="lo"/> to the end, limited by <paramref name="maxSize"/>, as a slice held
    /// by the next Ready.</summary>
    public StorageStatus Entries(ulong lo, ulong maxSize, out EntrySlice entries)
    {
        if (lo > LastIndex())
        {
            entries = default;
            return StorageStatus.Ok;
        }

        return Slice(lo, LastIndex() + 1, maxSize, out entries);
    }

    /// <summary>
    /// Entries in [lo, hi), at least one, then only while the total size stays within maxSize, as a slice held by the
    /// next Ready: a view of the unstable chunk when they are all unstable or cached (persisted, not yet applied:
    /// the common case for both appends and committed entries), otherwise a copy in the pool's arena (storage hands
    /// entries out by value).
    /// </summary>
    public StorageStatus Slice(ulong lo, ulong hi, ulong maxSize, out EntrySlice entries)
    {
        entries = default;
        ulong cacheStart = Unstable.CacheStart;
        if (lo >= cacheStart && lo < hi && (lo >= Unstable.Offset || lo >= FirstIndex()))
        {
            ulong last = LastIndex();
            if (hi > last + 1)
            {
                throw new InvalidOperationException($"slice[{lo},{hi}) out of bound [{FirstIndex()},{last}]");
            }

            ReadOnlySpan<Entry> recent = Unstable.CachedAndUnstable.Slice((int)(lo - cacheStart), (int)(hi - lo));
            entries = Unstable.Slice(lo, CountWithin(recent, maxSize));
            return StorageStatus.Ok;
        }

        _scratch.Clear();
        StorageStatus s = Slice(lo, hi, maxSize, _scratch);
        if (s == StorageStatus.Ok && _scratch.Count > 0)
        {
            entries = Pool.Copy(CollectionsMarshal.AsSpan(_scratch));
        }

        _scratch.Clear();
        return s;
    }

    /// <summary>How many leading entries fit in <paramref name="maxSize"/> (at least one).</summary>
    private static int CountWithin(ReadOnlySpan<Entry> entries, ulong maxSize)
    {
        long size = 0;
        for (int i = 0; i < entries.Length; i++)
        {
            size += entries[i].SizeBytes;
            if (i > 0 && (ulong)size > maxSize)
            {
                return i;
            }
        }

        return entries.Length;
    }

    /// <summary>Entries in [lo, hi), at least one, then only while the total size stays within maxSize.</summary>
    public StorageStatus Slice(ulong lo, ulong hi, ulong maxSize, List<Entry> output)
    {
        if (lo > hi)
        {
            throw new InvalidOperationException($"invalid slice {lo} > {hi}");
        }

        ulong first = FirstIndex();
        if (lo < first)
        {
            return StorageStatus.Compacted;
        }

        ulong last = LastIndex();
        if (hi > last + 1)
        {
            throw new InvalidOperationException($"slice[{lo},{hi}) out of bound [{first},{last}]");
        }

        if (lo == hi)
        {
            return StorageStatus.Ok;
        }

        int start = output.Count;
        ulong offset = Unstable.Offset;
        if (lo < offset)
        {
            ulong storageHi = Math.Min(hi, offset);
            StorageStatus s = _storage.Entries(lo, storageHi, maxSize, output);
            if (s == StorageStatus.Compacted)
            {
                return s;
            }

            if (s != StorageStatus.Ok)
            {
                throw new InvalidOperationException($"unexpected {s} reading entries [{lo}, {storageHi}) from storage");
            }

            if ((ulong)(output.Count - start) < storageHi - lo)
            {
                // Storage stopped at the size limit.
                return StorageStatus.Ok;
            }
        }

        if (hi > offset)
        {
            long size = 0;
            for (int i = start; i < output.Count; i++)
            {
                size += output[i].SizeBytes;
            }

            for (ulong i = Math.Max(lo, offset); i < hi; i++)
            {
                Entry e = Unstable.EntryAt(i);
                size += e.SizeBytes;
                if (output.Count > start && (ulong)size > maxSize)
                {
                    break;
                }

                output.Add(e);
            }
        }

        return StorageStatus.Ok;
    }

    public Snapshot? Snapshot() => Unstable.Snapshot ?? _storage.Snapshot();

    public override string ToString() =>
        $"committed={Committed} applied={Applied} applying={Applying} persisted={Persisted} unstable.offset={Unstable.Offset} unstable.count={Unstable.Count} last={LastIndex()}";
}
