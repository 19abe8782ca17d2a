using System.Diagnostics;
using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm.Table;

/// <summary>
/// Builds one block (FORMAT.md, "Blocks"): entries with keys prefix-compressed against the previous key, and every
/// <c>restartInterval</c>-th key stored whole at a restart point; then the restart offsets (fixed32 each) and their
/// count (fixed32).
/// <code>
/// entry := shared varint32 | non_shared varint32 | value_length varint32 | key_delta[non_shared] | value[value_length]
/// block := entry* | restart fixed32 * num_restarts | num_restarts fixed32
/// </code>
/// Not thread-safe. REQUIRES: keys added in strictly ascending order of the block's comparator.
/// </summary>
internal sealed class BlockBuilder
{
    private readonly int _restartInterval;
    private byte[] _buffer = new byte[4096];
    private int _length;                     // bytes of entries in _buffer
    private int[] _restarts = new int[16];
    private int _numRestarts;
    private int _counter;                    // entries since the last restart
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength;
    private bool _finished;
    // Invariant: _numRestarts >= 1 and _restarts[0] == 0 (an empty block still has one restart point).

    public BlockBuilder(int restartInterval)
    {
        if (restartInterval < 1)
        {
            ThrowHelper.ThrowArgument("restart interval must be at least 1", nameof(restartInterval));
        }
        _restartInterval = restartInterval;
        Reset();
    }

    public bool IsEmpty => _length == 0;

    /// <summary>Size of the block if finished now.</summary>
    public int CurrentSizeEstimate => _length + (_numRestarts * 4) + 4;

    /// <summary>The last key added (valid until the next Add or Reset).</summary>
    public ReadOnlySpan<byte> LastKey => _lastKey.AsSpan(0, _lastKeyLength);

    public void Reset()
    {
        _length = 0;
        _restarts[0] = 0;
        _numRestarts = 1;
        _counter = 0;
        _lastKeyLength = 0;
        _finished = false;
    }

    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Debug.Assert(!_finished);
        int shared = 0;
        if (_counter < _restartInterval)
        {
            shared = key.CommonPrefixLength(LastKey); // the first key of a block shares with the empty last key: 0
        }
        else
        {
            if (_numRestarts == _restarts.Length)
            {
                Array.Resize(ref _restarts, _restarts.Length * 2);
            }
            _restarts[_numRestarts++] = _length;
            _counter = 0;
        }
        int nonShared = key.Length - shared;
        EnsureCapacity((3 * Coding.MaxVarint32Length) + nonShared + value.Length);
        Span<byte> dst = _buffer.AsSpan(_length);
        int n = Coding.WriteVarint32(dst, (uint)shared);
        n += Coding.WriteVarint32(dst[n..], (uint)nonShared);
        n += Coding.WriteVarint32(dst[n..], (uint)value.Length);
        key[shared..].CopyTo(dst[n..]);
        n += nonShared;
        value.CopyTo(dst[n..]);
        n += value.Length;
        _length += n;

        if (_lastKey.Length < key.Length)
        {
            Array.Resize(ref _lastKey, Math.Max(key.Length, _lastKey.Length * 2));
        }
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
        _counter++;
    }

    /// <summary>Appends the restart array and returns the finished block, valid until <see cref="Reset"/>.</summary>
    public ReadOnlySpan<byte> Finish()
    {
        Debug.Assert(!_finished);
        EnsureCapacity((_numRestarts * 4) + 4);
        for (int i = 0; i < _numRestarts; i++)
        {
            Coding.WriteFixed32(_buffer.AsSpan(_length + (i * 4)), (uint)_restarts[i]);
        }
        Coding.WriteFixed32(_buffer.AsSpan(_length + (_numRestarts * 4)), (uint)_numRestarts);
        _finished = true;
        return _buffer.AsSpan(0, _length + (_numRestarts * 4) + 4);
    }

    private void EnsureCapacity(int extra)
    {
        if (_buffer.Length - _length < extra)
        {
            Array.Resize(ref _buffer, Math.Max(_length + extra, _buffer.Length * 2));
        }
    }
}
