using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Cursor over one block built by <see cref="BlockBuilder"/> (FORMAT.md, "Blocks"): binary search over the restart
/// points, then a linear scan. <see cref="Prev"/> decodes the restart interval before the current entry once into a
/// small cache (entry offsets, rebuilt keys) and walks it backwards, as RocksDB's block iterator does, instead of
/// rescanning the interval for every step. Keys stored whole (every restart key, every key of an index block) are
/// exposed in place; prefix-compressed keys are rebuilt in buffers the iterator owns and reuses, so a seek or a step
/// allocates nothing once the buffers have grown.
/// Reusable: <see cref="Reset(ReadOnlyMemory{byte}, bool, string, long)"/> points it at another block, a managed
/// array or native memory (a cached block, a memory-mapped file); the caller keeps native memory valid until the next
/// Reset or <see cref="Clear"/>. Not thread-safe. Malformed entries throw <see cref="CorruptionException"/> naming
/// the file and the block's offset.
/// </summary>
internal sealed unsafe class BlockIterator
{
    private byte[]? _array;          // the block is _array[_arrayOffset.._arrayOffset+_length], or
    private int _arrayOffset;
    private byte* _pointer;          // ... native memory [_pointer, _pointer+_length) when _array is null
    private int _length;
    private bool _internalKeys;      // internal-key order (data blocks, index blocks of internal keys) or bytewise (user-key indexes, meta blocks)
    private string _path = string.Empty;
    private long _blockOffset;
    private int _restartsOffset;     // where the restart array starts = end of the entries
    private int _numRestarts;
    private int _current;            // offset of the current entry; == _restartsOffset when not valid
    private int _next;               // offset just past the current entry
    private ulong[]? _restartPrefixes; // optional: RestartKeyPrefix of every restart key, to narrow Seek's binary search
    private byte[] _keyBuffer = new byte[128]; // forward scans rebuild prefix-compressed keys here
    private int _keyLength;
    private byte[]? _keyArray;       // the key is _keyArray[_keyOffset..+_keyLength] (_keyBuffer or _prevKeys), or
    private int _keyOffset;          // ... the block's bytes [_keyOffset..+_keyLength] when _keyArray is null
    private int _valueOffset;
    private int _valueLength;

    // Backward steps: the entries of one restart interval before the entry Prev started from, decoded once.
    // _prevEntries holds PrevStride ints per entry (offset, key location, key length, value offset, value length); a
    // key location >= 0 is a block offset (a key stored whole), ~i is _prevKeys[i..] (a rebuilt key).
    private const int PrevStride = 5;
    private int[] _prevEntries = new int[16 * PrevStride];
    private byte[] _prevKeys = new byte[256];
    private int _prevCount;          // entries cached; 0 when the cache does not describe the current position
    private int _prevPos;            // index of the current entry in the cache while _prevCount > 0

    /// <summary>Points the iterator at <paramref name="block"/> (contents without trailer, array-backed); not positioned.</summary>
    public void Reset(ReadOnlyMemory<byte> block, bool internalKeys, string path, long blockOffset)
    {
        if (!MemoryMarshal.TryGetArray(block, out ArraySegment<byte> segment))
        {
            ThrowHelper.ThrowArgument("a block iterator reads arrays or native memory", nameof(block));
        }
        _array = segment.Array;
        _arrayOffset = segment.Offset;
        _pointer = null;
        Init(block.Length, internalKeys, path, blockOffset);
    }

    /// <summary>Points the iterator at <paramref name="array"/>[<paramref name="offset"/>..+<paramref name="length"/>); not positioned.</summary>
    public void Reset(byte[] array, int offset, int length, bool internalKeys, string path, long blockOffset)
    {
        _array = array;
        _arrayOffset = offset;
        _pointer = null;
        Init(length, internalKeys, path, blockOffset);
    }

    /// <summary>
    /// Points the iterator at the native block [<paramref name="block"/>, +<paramref name="length"/>) (contents without
    /// trailer); not positioned. REQUIRES: the memory stays valid and unchanged until the next Reset or Clear.
    /// </summary>
    public void Reset(byte* block, int length, bool internalKeys, string path, long blockOffset)
    {
        _array = null;
        _arrayOffset = 0;
        _pointer = block;
        Init(length, internalKeys, path, blockOffset);
    }

    private ReadOnlySpan<byte> Block
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _array != null ? new ReadOnlySpan<byte>(_array, _arrayOffset, _length) : new ReadOnlySpan<byte>(_pointer, _length);
    }

    /// <summary>
    /// Gives <see cref="Seek"/> the <see cref="RestartKeyPrefixes"/> of the current block (one per restart point),
    /// so it binary-searches a dense array of 8-byte prefixes and compares whole keys only where prefixes tie. An
    /// index block of a 64 MiB table has ~16K restart points spread over ~500 KiB: a plain binary search takes two
    /// cache misses per probe. REQUIRES: computed from this very block; cleared by the next Reset.
    /// </summary>
    public void SetRestartPrefixes(ulong[]? prefixes)
    {
        if (prefixes != null && prefixes.Length != _numRestarts)
        {
            ThrowHelper.ThrowArgument($"{prefixes.Length} restart prefixes for a block of {_numRestarts} restart points", nameof(prefixes));
        }
        _restartPrefixes = prefixes;
    }

    /// <summary>
    /// The first 8 bytes of the user key of every restart key (of the key itself in a block of user keys),
    /// big-endian and zero-padded: a non-decreasing array where a smaller prefix means a smaller key; null for a
    /// block without entries.
    /// </summary>
    public ulong[]? RestartKeyPrefixes()
    {
        if (_restartsOffset == 0)
        {
            return null;
        }
        ReadOnlySpan<byte> block = Block;
        var prefixes = new ulong[_numRestarts];
        for (int i = 0; i < prefixes.Length; i++)
        {
            prefixes[i] = KeyPrefix(UserKeyOf(RestartKey(block, i)));
            if (i > 0 && prefixes[i] < prefixes[i - 1])
            {
                ThrowCorruption($"restart keys out of order at restart point {i}");
            }
        }
        return prefixes;
    }

    /// <summary>The first 8 bytes of <paramref name="userKey"/> as a big-endian number, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong KeyPrefix(ReadOnlySpan<byte> userKey)
    {
        if (userKey.Length >= 8)
        {
            return BinaryPrimitives.ReadUInt64BigEndian(userKey);
        }
        ulong prefix = 0;
        for (int i = 0; i < userKey.Length; i++)
        {
            prefix |= (ulong)userKey[i] << (56 - (8 * i));
        }
        return prefix;
    }

    private void Init(int length, bool internalKeys, string path, long blockOffset)
    {
        _restartPrefixes = null;
        _length = length;
        _internalKeys = internalKeys;
        _path = path;
        _blockOffset = blockOffset;
        if (length < 4)
        {
            _length = 0;
            ThrowCorruption("block too short for its restart count");
        }
        uint numRestarts = Coding.ReadFixed32(Block[(length - 4)..]);
        if (numRestarts == 0 || numRestarts > (uint)((length - 4) / 4))
        {
            _length = 0;
            ThrowCorruption($"bad restart count {numRestarts}");
        }
        _numRestarts = (int)numRestarts;
        _restartsOffset = length - 4 - (4 * _numRestarts);
        _current = _restartsOffset;
        _next = _restartsOffset;
        _keyLength = 0;
        _keyArray = _keyBuffer;
        _keyOffset = 0;
        _prevCount = 0;
    }

    /// <summary>Drops the reference to the block (so a pooled buffer can be returned or a cache handle released).</summary>
    public void Clear()
    {
        _array = null;
        _pointer = null;
        _length = 0;
        _restartsOffset = 0;
        _current = 0;
        _next = 0;
        _numRestarts = 0;
        _prevCount = 0;
    }

    public bool Valid => _current < _restartsOffset;

    /// <summary>REQUIRES: Valid.</summary>
    public ReadOnlySpan<byte> Key => _keyArray != null ? new ReadOnlySpan<byte>(_keyArray, _keyOffset, _keyLength) : Block.Slice(_keyOffset, _keyLength);

    /// <summary>REQUIRES: Valid.</summary>
    public ReadOnlySpan<byte> Value => Block.Slice(_valueOffset, _valueLength);

    public void SeekToFirst()
    {
        SeekToRestartPoint(0);
        ParseNextEntry(Block);
    }

    public void SeekToLast()
    {
        ReadOnlySpan<byte> block = Block;
        SeekToRestartPoint(_numRestarts - 1);
        while (ParseNextEntry(block) && _next < _restartsOffset)
        {
        }
    }

    /// <summary>Positions at the first entry with key &gt;= <paramref name="target"/>.</summary>
    public void Seek(ReadOnlySpan<byte> target)
    {
        ReadOnlySpan<byte> block = Block;
        int left = 0;
        int right = _numRestarts - 1;
        // Compare the first 8 user-key bytes as a number first (KeyPrefix orders like the keys); only equal prefixes
        // need the whole comparison.
        ulong p = KeyPrefix(UserKeyOf(target));
        if (_restartPrefixes != null)
        {
            // Restarts with a smaller prefix hold smaller keys, those with a larger one larger keys: only the run of
            // equal prefixes needs whole-key compares. left = last restart surely < target, right = last candidate.
            ReadOnlySpan<ulong> prefixes = _restartPrefixes;
            int lower = LowerBound(prefixes, p);
            int upper = lower;
            while (upper < prefixes.Length && prefixes[upper] == p && upper - lower < 4)
            {
                upper++;
            }
            if (upper - lower == 4)
            {
                upper = UpperBound(prefixes, p);
            }
            left = Math.Max(lower - 1, 0);
            right = Math.Max(upper - 1, 0);
        }
        while (left < right)
        {
            int mid = (left + right + 1) >> 1;
            if (CompareToTarget(RestartKey(block, mid), target, p) < 0)
            {
                left = mid;   // every key before restart mid is < target
            }
            else
            {
                right = mid - 1;
            }
        }
        SeekToRestartPoint(left);
        while (ParseNextEntry(block))
        {
            if (CompareToTarget(CurrentKey(block), target, p) >= 0)
            {
                return;
            }
        }
    }

    /// <summary>Compares <paramref name="key"/> with <paramref name="target"/>, whose KeyPrefix is <paramref name="targetPrefix"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int CompareToTarget(ReadOnlySpan<byte> key, ReadOnlySpan<byte> target, ulong targetPrefix)
    {
        ulong prefix = KeyPrefix(UserKeyOf(key));
        if (prefix != targetPrefix)
        {
            return prefix < targetPrefix ? -1 : 1;
        }
        return _internalKeys ? InternalKey.Compare(key, target) : key.SequenceCompareTo(target);
    }

    /// <summary>The user key of an internal key; a key of a block of user (or other bytewise) keys is itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> UserKeyOf(ReadOnlySpan<byte> key) => _internalKeys ? InternalKey.UserKey(key) : key;

    /// <summary>First index whose prefix is &gt;= <paramref name="p"/>.</summary>
    private static int LowerBound(ReadOnlySpan<ulong> prefixes, ulong p)
    {
        int lo = 0;
        int hi = prefixes.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (prefixes[mid] < p)
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

    /// <summary>First index whose prefix is &gt; <paramref name="p"/>.</summary>
    private static int UpperBound(ReadOnlySpan<ulong> prefixes, ulong p)
    {
        int lo = 0;
        int hi = prefixes.Length;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (prefixes[mid] <= p)
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

    /// <summary>Positions at the last entry with key &lt;= <paramref name="target"/>.</summary>
    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        Seek(target);
        if (!Valid)
        {
            SeekToLast();
        }
        while (Valid && Compare(Key, target) > 0)
        {
            Prev();
        }
    }

    /// <summary>REQUIRES: Valid.</summary>
    public void Next() => ParseNextEntry(Block);

    /// <summary>REQUIRES: Valid.</summary>
    public void Prev()
    {
        if (_prevCount > 0 && _prevPos > 0)
        {
            LoadPrevEntry(_prevPos - 1);
            return;
        }
        if (!DecodeIntervalBefore(_current))
        {
            MarkInvalid();
            return;
        }
        LoadPrevEntry(_prevCount - 1);
    }

    /// <summary>
    /// Fills the backward cache with the entries of the restart interval that holds the entry before the one at
    /// <paramref name="original"/>, up to that entry; false when <paramref name="original"/> is the first entry.
    /// </summary>
    private bool DecodeIntervalBefore(int original)
    {
        ReadOnlySpan<byte> block = Block;
        _prevCount = 0;
        // The last restart point before original (restart offsets ascend; a disordered array fails the checks below).
        int lo = 0;
        int hi = _numRestarts - 1;
        if (RestartPoint(block, 0) >= original)
        {
            return false;
        }
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (RestartPoint(block, mid) < original)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }
        int p = RestartPoint(block, lo);
        int end = _restartsOffset;
        int count = 0;
        int used = 0;              // bytes of _prevKeys in use
        int lastKey = 0;           // location of the previous entry's key (as stored in the cache)
        int lastKeyLength = 0;
        while (p < original)
        {
            int entry = p;
            if (!DecodeEntry(block, ref p, end, lastKeyLength, out int shared, out int nonShared, out int valueLength))
            {
                ThrowCorruption($"bad entry at block offset {entry}");
            }
            int keyLength = shared + nonShared;
            int key;
            if (shared == 0)
            {
                key = p;
            }
            else
            {
                if (_prevKeys.Length - used < keyLength)
                {
                    byte[] bigger = new byte[Math.Max(used + keyLength, _prevKeys.Length * 2)];
                    _prevKeys.AsSpan(0, used).CopyTo(bigger);
                    _prevKeys = bigger;
                }
                ReadOnlySpan<byte> last = lastKey >= 0 ? block.Slice(lastKey, shared) : _prevKeys.AsSpan(~lastKey, shared);
                last.CopyTo(_prevKeys.AsSpan(used));
                block.Slice(p, nonShared).CopyTo(_prevKeys.AsSpan(used + shared));
                key = ~used;
                used += keyLength;
            }
            if (_prevEntries.Length < (count + 1) * PrevStride)
            {
                Array.Resize(ref _prevEntries, _prevEntries.Length * 2);
            }
            Span<int> e = _prevEntries.AsSpan(count * PrevStride, PrevStride);
            e[0] = entry;
            e[1] = key;
            e[2] = keyLength;
            e[3] = p + nonShared;
            e[4] = valueLength;
            count++;
            lastKey = key;
            lastKeyLength = keyLength;
            p += nonShared + valueLength;
        }
        if (p != original || count == 0)
        {
            ThrowCorruption($"restart point {lo} does not lead to the entry at block offset {original}");
        }
        _prevCount = count;
        return true;
    }

    private void LoadPrevEntry(int index)
    {
        ReadOnlySpan<int> e = _prevEntries.AsSpan(index * PrevStride, PrevStride);
        _prevPos = index;
        _current = e[0];
        int key = e[1];
        if (key >= 0)
        {
            _keyArray = null;
            _keyOffset = key;
        }
        else
        {
            _keyArray = _prevKeys;
            _keyOffset = ~key;
        }
        _keyLength = e[2];
        _valueOffset = e[3];
        _valueLength = e[4];
        _next = _valueOffset + _valueLength;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) =>
        _internalKeys ? InternalKey.Compare(a, b) : a.SequenceCompareTo(b);

    private ReadOnlySpan<byte> CurrentKey(ReadOnlySpan<byte> block) =>
        _keyArray != null ? new ReadOnlySpan<byte>(_keyArray, _keyOffset, _keyLength) : block.Slice(_keyOffset, _keyLength);

    private void MarkInvalid()
    {
        _current = _restartsOffset;
        _next = _restartsOffset;
        _prevCount = 0;
    }

    private int RestartPoint(ReadOnlySpan<byte> block, int index)
    {
        uint offset = Coding.ReadFixed32(block[(_restartsOffset + (4 * index))..]);
        if (offset > (uint)_restartsOffset)
        {
            ThrowCorruption($"restart point {index} at {offset} is outside the entries");
        }
        return (int)offset;
    }

    private void SeekToRestartPoint(int index)
    {
        _keyLength = 0;
        _keyArray = _keyBuffer;
        _keyOffset = 0;
        _prevCount = 0;
        _current = _restartsOffset; // not valid until an entry is parsed
        _next = RestartPoint(Block, index);
    }

    /// <summary>The whole key stored at restart point <paramref name="index"/>.</summary>
    private ReadOnlySpan<byte> RestartKey(ReadOnlySpan<byte> block, int index)
    {
        int p = RestartPoint(block, index);
        int end = _restartsOffset;
        if (!DecodeEntry(block, ref p, end, previousKeyLength: 0, out _, out int nonShared, out _)) // a restart shares nothing
        {
            ThrowCorruption($"bad entry at restart point {index}");
        }
        return block.Slice(p, nonShared);
    }

    /// <summary>Moves to the entry at _next; returns false (and invalidates) at the end of the entries.</summary>
    private bool ParseNextEntry(ReadOnlySpan<byte> block)
    {
        int p = _next;
        int end = _restartsOffset;
        _prevCount = 0;
        if (p >= end)
        {
            MarkInvalid();
            return false;
        }
        int entry = p;
        if (!DecodeEntry(block, ref p, end, _keyLength, out int shared, out int nonShared, out int valueLength))
        {
            ThrowCorruption($"bad entry at block offset {entry}");
        }
        if (shared == 0)
        {
            _keyArray = null;
            _keyOffset = p;
        }
        else
        {
            int keyLength = shared + nonShared;
            byte[] buffer = _keyBuffer;
            if (buffer.Length < keyLength)
            {
                buffer = new byte[Math.Max(keyLength, buffer.Length * 2)];
                CurrentKey(block)[..shared].CopyTo(buffer);
                _keyBuffer = buffer;
            }
            else if (_keyArray != buffer || _keyOffset != 0)
            {
                CurrentKey(block)[..shared].CopyTo(buffer); // the previous key is in the block or the backward cache
            }
            block.Slice(p, nonShared).CopyTo(buffer.AsSpan(shared));
            _keyArray = buffer;
            _keyOffset = 0;
        }
        _keyLength = shared + nonShared;
        _current = entry;
        _valueOffset = p + nonShared;
        _valueLength = valueLength;
        _next = _valueOffset + valueLength;
        return true;
    }

    /// <summary>
    /// Decodes the header of the entry at <paramref name="p"/> (moved past it) and checks it against the block: it
    /// shares at most the previous key's <paramref name="previousKeyLength"/> bytes, its key and value fit before
    /// <paramref name="end"/>, and an internal key holds at least its trailer. False when it is malformed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool DecodeEntry(ReadOnlySpan<byte> block, ref int p, int end, int previousKeyLength, out int shared, out int nonShared, out int valueLength) =>
        DecodeHeader(block, ref p, end, out shared, out nonShared, out valueLength) && shared <= previousKeyLength &&
        (long)nonShared + valueLength <= end - p && (!_internalKeys || shared + nonShared >= InternalKey.TrailerSize);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DecodeHeader(ReadOnlySpan<byte> block, ref int p, int end, out int shared, out int nonShared, out int valueLength)
    {
        if (end - p >= 3 && (block[p] | block[p + 1] | block[p + 2]) < 0x80)
        {
            shared = block[p];
            nonShared = block[p + 1];
            valueLength = block[p + 2];
            p += 3;
            return true;
        }
        return DecodeHeaderSlow(block, ref p, end, out shared, out nonShared, out valueLength);
    }

    private static bool DecodeHeaderSlow(ReadOnlySpan<byte> block, ref int p, int end, out int shared, out int nonShared, out int valueLength)
    {
        shared = nonShared = valueLength = 0;
        ReadOnlySpan<byte> s = block[p..end];
        int a = Coding.TryReadVarint32(s, out uint v1);
        if (a == 0)
        {
            return false;
        }
        int b = Coding.TryReadVarint32(s[a..], out uint v2);
        if (b == 0)
        {
            return false;
        }
        int c = Coding.TryReadVarint32(s[(a + b)..], out uint v3);
        if (c == 0 || v1 > int.MaxValue || v2 > int.MaxValue || v3 > int.MaxValue)
        {
            return false;
        }
        shared = (int)v1;
        nonShared = (int)v2;
        valueLength = (int)v3;
        p += a + b + c;
        return true;
    }

    private void ThrowCorruption(string reason) => ThrowHelper.ThrowCorruption(_path, _blockOffset, reason);
}
