namespace ManagedKv.Txn;

/// <summary>
/// The GC rule as a state machine over write CF versions in key order (newest first per user key): versions newer
/// than the safe point stay; among the rest, the newest Put stays, a newest Delete goes (or stays as a mark when
/// <c>canRemoveDeleteMark</c> is false), Lock and Rollback records go, and everything older than the first Put or
/// Delete goes. Shared by explicit GC and the compaction filter. Single-threaded.
/// </summary>
internal struct GcKeyState
{
    private byte[] _key;
    private int _keyLength;
    private bool _removeOlder;

    public GcKeyState()
    {
        _key = new byte[64];
        _keyLength = -1;
        _removeOlder = false;
    }

    /// <summary>Decides the version <paramref name="type"/> at <paramref name="commitTs"/> of <paramref name="encodedKey"/>.</summary>
    // REQUIRES: versions are fed in write CF order.
    public GcDecision Next(ReadOnlySpan<byte> encodedKey, ulong commitTs, WriteType type, ulong safePoint, bool canRemoveDeleteMark)
    {
        if (_keyLength < 0 || !encodedKey.SequenceEqual(_key.AsSpan(0, _keyLength)))
        {
            if (encodedKey.Length > _key.Length)
            {
                _key = new byte[encodedKey.Length * 2];
            }
            encodedKey.CopyTo(_key);
            _keyLength = encodedKey.Length;
            _removeOlder = false;
        }
        if (commitTs > safePoint)
        {
            return GcDecision.Keep;
        }
        if (_removeOlder)
        {
            return GcDecision.Remove;
        }
        switch (type)
        {
            case WriteType.Put:
                _removeOlder = true;
                return GcDecision.Keep;
            case WriteType.Delete:
                _removeOlder = true;
                return canRemoveDeleteMark ? GcDecision.Remove : GcDecision.KeepDeleteMark;
            default:
                return GcDecision.Remove;
        }
    }
}
