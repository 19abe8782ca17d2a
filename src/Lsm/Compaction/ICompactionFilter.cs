using System.Buffers;

namespace ManagedKv.Lsm;

/// <summary>
/// Decides, during one compaction, what happens to each value written back (RocksDB's CompactionFilter; TiKV's MVCC
/// garbage collection is one). Created per compaction by an <see cref="ICompactionFilterFactory"/>; called on that
/// compaction's thread only, so an instance needs no locking. Disposed at the end of the compaction when it
/// implements <see cref="IDisposable"/>.
/// </summary>
/// <remarks>
/// <para>What is filtered: during compactions only (flushes never call it), the newest entry of each user key in the
/// compaction's input when that entry is a value. Deletions and older versions are not shown to the filter; a trivial
/// move (a file moved to another level without rewriting) calls no filter.</para>
/// <para>Snapshots are ignored (RocksDB's IgnoreSnapshots, always true): the filter is called even for a value an
/// open snapshot or iterator can still see, and <see cref="CompactionFilterDecision.Remove"/> or
/// <see cref="CompactionFilterDecision.ChangeValue"/> then changes what such a reader sees once the compaction
/// installs its output. Callers must only remove what no reader may need: MVCC GC removes versions below its own safe
/// point, which every reader has moved past.</para>
/// <para>Remove writes a deletion marker in place of the value when older versions of the key may exist below the
/// output (so they stay hidden), and drops the entry entirely at the bottommost level.</para>
/// </remarks>
public interface ICompactionFilter
{
    /// <summary>A name for logs and diagnostics.</summary>
    string Name { get; }

    /// <summary>
    /// Decides the fate of <paramref name="existingValue"/> of user key <paramref name="key"/>, which the compaction
    /// writes to <paramref name="level"/> (its output level). For <see cref="CompactionFilterDecision.ChangeValue"/>
    /// write the new value into <paramref name="newValue"/> (empty on entry; an empty new value is allowed).
    /// The spans are valid only during the call.
    /// </summary>
    CompactionFilterDecision Filter(int level, ReadOnlySpan<byte> key, ReadOnlySpan<byte> existingValue, IBufferWriter<byte> newValue);
}
