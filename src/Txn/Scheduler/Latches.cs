using System.Diagnostics;

namespace ManagedKv.Txn;

/// <summary>
/// Hashed key latches (TiKV's scheduler latches): each key hashes to one of a power-of-two number of slots; a
/// command takes the slots of all its keys in ascending slot order (so two commands can never wait on each other in
/// a cycle) and holds them while it reads its snapshot and writes its batch. Commands on overlapping keys serialize;
/// others run in parallel (two keys sharing a slot serialize too, which is safe). Thread-safe. Latches are held by
/// the executing thread (monitors), so a command runs start to finish on one thread.
/// </summary>
internal sealed class Latches
{
    private readonly object[] _slots;
    private readonly int _mask;

    public Latches(int slotCount)
    {
        if (slotCount <= 0 || (slotCount & (slotCount - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotCount), slotCount, "must be a positive power of two");
        }
        _slots = new object[slotCount];
        for (int i = 0; i < slotCount; i++)
        {
            _slots[i] = new object();
        }
        _mask = slotCount - 1;
    }

    /// <summary>Number of slots.</summary>
    public int SlotCount => _slots.Length;

    /// <summary>The slot of <paramref name="key"/>.</summary>
    public int SlotOf(ReadOnlySpan<byte> key)
    {
        var h = new HashCode();
        h.AddBytes(key);
        return h.ToHashCode() & _mask;
    }

    /// <summary>
    /// Blocks until the slots of every key in <paramref name="keys"/> are held; returns the sorted distinct slots to
    /// pass to <see cref="Release"/>.
    /// </summary>
    public int[] Acquire(IReadOnlyList<byte[]> keys)
    {
        var slots = new int[keys.Count];
        for (int i = 0; i < slots.Length; i++)
        {
            slots[i] = SlotOf(keys[i]);
        }
        Array.Sort(slots);
        int distinct = 0;
        for (int i = 0; i < slots.Length; i++)
        {
            if (distinct == 0 || slots[distinct - 1] != slots[i])
            {
                slots[distinct++] = slots[i];
            }
        }
        if (distinct != slots.Length)
        {
            Array.Resize(ref slots, distinct);
        }
        for (int i = 0; i < slots.Length; i++)
        {
            Monitor.Enter(_slots[slots[i]]);
        }
        return slots;
    }

    /// <summary>Releases what <see cref="Acquire"/> returned. REQUIRES: called on the acquiring thread.</summary>
    public void Release(int[] slots)
    {
        for (int i = slots.Length - 1; i >= 0; i--)
        {
            Debug.Assert(Monitor.IsEntered(_slots[slots[i]]));
            Monitor.Exit(_slots[slots[i]]);
        }
    }
}
