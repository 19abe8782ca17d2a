using System.Runtime.InteropServices;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The in-memory index of one region: where each live entry is (compact runs, no object per entry) and the
/// region's small key-value state.
/// </summary>
/// <remarks>
/// Threads: only the write-group leader (or recovery, single-threaded) mutates, always holding <see cref="Sync"/>;
/// readers hold <see cref="Sync"/> while they copy locations out, then read files without it.
/// Entries are kept as a deque of <see cref="EntryRun"/> plus a deque of per-entry end offsets, so compaction
/// drops from the front and truncation from the back without moving memory (amortized).
/// </remarks>
internal sealed class RegionIndex
{
    /// <summary>Fixed cost of a region in the index (object, lock, dictionary slot), for memory accounting.</summary>
    public const int OverheadBytes = 160;

    private const int RunSize = 32;
    private const int StateOverheadBytes = 64;

    /// <summary>Guards every field below. Lock order: taken after no other engine lock (the pipe's is taken after it is released).</summary>
    public readonly Lock Sync = new();

    // Invariant: runs [_runHead, _runHead + _runCount) are sorted by FirstIndex, non-empty, and the first starts
    // at _first when _count > 0; _runCount == 0 iff _count == 0. Their FileSeq never decreases either: runs are
    // appended in log order (the write leader and replay both go file by file), so the first run is the oldest.
    private EntryRun[] _runs = [];
    private int _runHead;
    private int _runCount;

    // Invariant: _ends[_endHead + k] is the end offset, inside its block, of entry _first + k, for k < _count.
    private uint[] _ends = [];
    private int _endHead;
    private int _count;
    private ulong _first;
    // Sum of the live entries' sizes (kept as entries come and go: purge asks it of every lagging region).
    private long _liveBytes;

    private Dictionary<byte[], StateValue>? _states;
    private long _stateBytes;

    private struct StateValue
    {
        public byte[] Value;
        public uint FileSeq;
    }

    public RegionIndex(ulong region) => Region = region;

    public ulong Region { get; }

    /// <summary>Number of live entries.</summary>
    public int Count => _count;

    /// <summary>First live index. REQUIRES: Count &gt; 0.</summary>
    public ulong First => _first;

    /// <summary>Last live index. REQUIRES: Count &gt; 0.</summary>
    public ulong Last => _first + (ulong)_count - 1;

    public int StateCount => _states?.Count ?? 0;

    public bool IsEmpty => _count == 0 && StateCount == 0;

    /// <summary>Bytes this region holds in the index: runs, end offsets, states and fixed overhead.</summary>
    public long MemoryBytes => OverheadBytes + ((long)_runs.Length * RunSize) + ((long)_ends.Length * sizeof(uint)) + _stateBytes;

    // ---- Entries --------------------------------------------------------------------------------------------

    /// <summary>
    /// Appends entries <paramref name="firstIndex"/>.. whose end offsets in the block are <paramref name="ends"/>,
    /// truncating a conflicting suffix first (Raft §5.3), or dropping everything if the append leaves a hole.
    /// </summary>
    public void Append(ulong firstIndex, in EntryRun block, ReadOnlySpan<uint> ends)
    {
        if (_count == 0)
        {
            ResetTo(firstIndex);
        }
        else
        {
            ulong next = _first + (ulong)_count;
            if (firstIndex > next || firstIndex <= _first)
            {
                ResetTo(firstIndex);
            }
            else if (firstIndex < next)
            {
                TruncateFrom(firstIndex);
            }
        }
        System.Diagnostics.Debug.Assert(_runCount == 0 || _runs[_runHead + _runCount - 1].FileSeq <= block.FileSeq, "runs out of log order");
        EnsureRunCapacity();
        ref EntryRun run = ref _runs[_runHead + _runCount];
        run = block;
        run.FirstIndex = firstIndex;
        run.FirstStart = 0;
        _runCount++;
        EnsureEndCapacity(ends.Length);
        ends.CopyTo(_ends.AsSpan(_endHead + _count));
        _count += ends.Length;
        _liveBytes += ends.Length > 0 ? ends[^1] : 0;
    }

    /// <summary>Drops entries with index below <paramref name="index"/>.</summary>
    public void CompactTo(ulong index)
    {
        if (_count == 0 || index <= _first)
        {
            return;
        }
        if (index > Last)
        {
            ResetTo(index);
            MaybeShrink();
            return;
        }
        _liveBytes -= BytesOf(_first, index - 1);
        int k = (int)(index - _first);
        uint previousEnd = _ends[_endHead + k - 1];
        int r = FindRun(index);
        _runCount -= r - _runHead;
        _runHead = r;
        if (_runs[r].FirstIndex < index)
        {
            // Entry index-1 shares run r with entry index, so its end is where entry index starts.
            _runs[r].FirstStart = previousEnd;
            _runs[r].FirstIndex = index;
        }
        _endHead += k;
        _count -= k;
        _first = index;
        MaybeShrink();
    }

    /// <summary>Finds entry <paramref name="index"/>; false if it is not live.</summary>
    public bool TryLocate(ulong index, out EntryLocation location)
    {
        if (_count == 0 || index < _first || index > Last)
        {
            location = default;
            return false;
        }
        int r = FindRun(index);
        location = LocationOf(r, index);
        return true;
    }

    /// <summary>
    /// Counts the entries from <paramref name="begin"/> (inclusive) to <paramref name="end"/> (exclusive) that fit
    /// <paramref name="maxBytes"/> (at least one). REQUIRES: First &lt;= begin &lt; end &lt;= Last + 1.
    /// </summary>
    public int CountWithin(ulong begin, ulong end, long maxBytes)
    {
        int r = FindRun(begin);
        int runEnd = _runHead + _runCount;
        long total = 0;
        int n = 0;
        for (ulong i = begin; i < end; i++)
        {
            if (r + 1 < runEnd && _runs[r + 1].FirstIndex == i)
            {
                r++;
            }
            int pos = _endHead + (int)(i - _first);
            uint start = i == _runs[r].FirstIndex ? _runs[r].FirstStart : _ends[pos - 1];
            total += _ends[pos] - start;
            if (n > 0 && total > maxBytes)
            {
                break;
            }
            n++;
        }
        return n;
    }

    /// <summary>Writes the locations of entries begin.. into <paramref name="into"/> (its length is the count).</summary>
    public void Collect(ulong begin, Span<EntryLocation> into)
    {
        int r = FindRun(begin);
        int runEnd = _runHead + _runCount;
        for (int k = 0; k < into.Length; k++)
        {
            ulong i = begin + (ulong)k;
            if (r + 1 < runEnd && _runs[r + 1].FirstIndex == i)
            {
                r++;
            }
            into[k] = LocationOf(r, i);
        }
    }

    /// <summary>Sum of the live entries' sizes.</summary>
    public long LiveEntryBytes()
    {
        System.Diagnostics.Debug.Assert(_liveBytes == (_count == 0 ? 0 : BytesOf(_first, Last)), "live byte count out of step");
        return _liveBytes;
    }

    // Sum of the sizes of live entries from..to (inclusive). REQUIRES: First <= from <= to <= Last.
    private long BytesOf(ulong from, ulong to)
    {
        long total = 0;
        int runEnd = _runHead + _runCount;
        for (int r = FindRun(from); r < runEnd && _runs[r].FirstIndex <= to; r++)
        {
            ulong lastOfRun = r + 1 < runEnd ? Math.Min(_runs[r + 1].FirstIndex - 1, to) : to;
            uint start = _runs[r].FirstIndex >= from ? _runs[r].FirstStart : _ends[_endHead + (int)(from - _first) - 1];
            total += _ends[_endHead + (int)(lastOfRun - _first)] - start;
        }
        return total;
    }

    /// <summary>Oldest file sequence holding live entries or states; <see cref="uint.MaxValue"/> if none.</summary>
    public uint MinFileSeq()
    {
        // The first run is the oldest (runs are in log order): purge asks this of every region, so it is O(states).
        uint min = _runCount > 0 ? _runs[_runHead].FileSeq : uint.MaxValue;
        if (_states != null)
        {
            foreach (KeyValuePair<byte[], StateValue> kv in _states)
            {
                min = Math.Min(min, kv.Value.FileSeq);
            }
        }
        return min;
    }

    private EntryLocation LocationOf(int r, ulong index)
    {
        ref EntryRun run = ref _runs[r];
        int pos = _endHead + (int)(index - _first);
        EntryLocation location;
        location.Block = run.Handle;
        location.Compression = run.Compression;
        location.RawLength = run.RawLength;
        location.Start = index == run.FirstIndex ? run.FirstStart : _ends[pos - 1];
        location.End = _ends[pos];
        return location;
    }

    // Position in _runs of the last run whose FirstIndex <= index. REQUIRES: _count > 0 and index >= _first.
    private int FindRun(ulong index)
    {
        int lo = _runHead;
        int hi = _runHead + _runCount - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (_runs[mid].FirstIndex <= index)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return lo;
    }

    private void ResetTo(ulong first)
    {
        _liveBytes = 0;
        _runHead = 0;
        _runCount = 0;
        _endHead = 0;
        _count = 0;
        _first = first;
    }

    // REQUIRES: _first < index <= Last.
    private void TruncateFrom(ulong index)
    {
        _liveBytes -= BytesOf(index, Last);
        _count = (int)(index - _first);
        while (_runs[_runHead + _runCount - 1].FirstIndex >= index)
        {
            _runCount--;
        }
    }

    private void EnsureRunCapacity()
    {
        if (_runHead + _runCount < _runs.Length)
        {
            return;
        }
        if (_runHead > 0 && _runCount < _runs.Length / 2)
        {
            Array.Copy(_runs, _runHead, _runs, 0, _runCount);
        }
        else
        {
            var next = new EntryRun[Math.Max(4, _runs.Length * 2)];
            Array.Copy(_runs, _runHead, next, 0, _runCount);
            _runs = next;
        }
        _runHead = 0;
    }

    private void EnsureEndCapacity(int more)
    {
        if (_endHead + _count + more <= _ends.Length)
        {
            return;
        }
        if (_endHead > 0 && _count + more <= _ends.Length / 2)
        {
            Array.Copy(_ends, _endHead, _ends, 0, _count);
        }
        else
        {
            var next = new uint[Math.Max(Math.Max(8, _ends.Length * 2), _count + more)];
            Array.Copy(_ends, _endHead, next, 0, _count);
            _ends = next;
        }
        _endHead = 0;
    }

    // Gives memory back after compaction empties most of the arrays.
    private void MaybeShrink()
    {
        if (_ends.Length > 64 && _count < _ends.Length / 4)
        {
            var next = new uint[Math.Max(8, _count * 2)];
            Array.Copy(_ends, _endHead, next, 0, _count);
            _ends = next;
            _endHead = 0;
        }
        if (_runs.Length > 16 && _runCount < _runs.Length / 4)
        {
            var next = new EntryRun[Math.Max(4, _runCount * 2)];
            Array.Copy(_runs, _runHead, next, 0, _runCount);
            _runs = next;
            _runHead = 0;
        }
    }

    // ---- States ---------------------------------------------------------------------------------------------

    public void PutState(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, uint fileSeq)
    {
        _states ??= new Dictionary<byte[], StateValue>(StateKeyComparer.Instance);
        Dictionary<byte[], StateValue>.AlternateLookup<ReadOnlySpan<byte>> lookup = _states.GetAlternateLookup<ReadOnlySpan<byte>>();
        ref StateValue slot = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out bool exists);
        if (exists && slot.Value.Length == value.Length)
        {
            value.CopyTo(slot.Value);
        }
        else
        {
            _stateBytes += exists ? value.Length - slot.Value.Length : key.Length + value.Length + StateOverheadBytes;
            slot.Value = value.ToArray();
        }
        slot.FileSeq = fileSeq;
    }

    public void DeleteState(ReadOnlySpan<byte> key)
    {
        if (_states == null)
        {
            return;
        }
        if (_states.GetAlternateLookup<ReadOnlySpan<byte>>().Remove(key, out byte[]? actualKey, out StateValue value))
        {
            _stateBytes -= actualKey.Length + value.Value.Length + StateOverheadBytes;
        }
    }

    /// <summary>A copy of state <paramref name="key"/>'s value, or null.</summary>
    public byte[]? GetState(ReadOnlySpan<byte> key)
    {
        if (_states != null && _states.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out StateValue value))
        {
            return value.Value.AsSpan().ToArray();
        }
        return null;
    }

    /// <summary>Appends copies of every (key, value) state pair.</summary>
    public void CopyStates(List<KeyValuePair<byte[], byte[]>> into)
    {
        if (_states == null)
        {
            return;
        }
        foreach (KeyValuePair<byte[], StateValue> kv in _states)
        {
            into.Add(new KeyValuePair<byte[], byte[]>(kv.Key, kv.Value.Value.AsSpan().ToArray()));
        }
    }
}
