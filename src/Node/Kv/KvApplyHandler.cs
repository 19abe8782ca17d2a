using System.Collections.Concurrent;
using ManagedKv.Lsm;
using ManagedKv.Node.Store;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// The store's state machine for <see cref="KvWriteCommand"/>s (TiKV's apply of a normal write): decodes the command
/// into the apply round's <see cref="WriteBatch"/>, each key as <c>z</c> + engine key in its Txn column family
/// (<see cref="KvColumnFamilies"/>). The command's epoch version is checked against the region's: a mismatch (a split
/// or merge between propose and apply) applies nothing and is counted in <see cref="EpochMismatches"/>.
/// </summary>
/// <remarks>
/// Gap: <see cref="IApplyHandler.Apply"/> cannot fail a single proposal, so the proposer of a command skipped for its
/// epoch hears "applied" (TiKV answers EpochNotMatch). No region changes its epoch yet (split, merge and conf changes
/// are later steps); the step that adds them must carry the verdict through the apply FSM to the proposal.
/// Threading: <see cref="Apply"/> runs on apply-pool threads, several regions at once; the epoch map is concurrent and
/// each thread has its own key buffer.
/// </remarks>
public sealed class KvApplyHandler : IApplyHandler
{
    private readonly ColumnFamily[] _cfs;
    private readonly ConcurrentDictionary<ulong, ulong> _epochVersions = new();
    private long _epochMismatches;

    [ThreadStatic]
    private static byte[]? t_key;

    [ThreadStatic]
    private static byte[]? t_end;

    /// <summary>
    /// Creates the handler for <paramref name="engines"/>: opens (creating if missing, see
    /// <see cref="KvColumnFamilies.Open"/>) the Txn column families and loads every stored region's epoch. Create it
    /// before <see cref="Batch.StoreSystem.Start"/>.
    /// </summary>
    public KvApplyHandler(StoreEngines engines)
    {
        ArgumentNullException.ThrowIfNull(engines);
        _cfs = KvColumnFamilies.Open(engines.KvDb);
        foreach (RegionLocalState state in engines.LoadRegionStates())
        {
            _epochVersions[state.Region.Id] = state.Region.RegionEpoch?.Version ?? 0;
        }
    }

    /// <summary>The column families, indexed by <see cref="EngineCf"/>.</summary>
    public IReadOnlyList<ColumnFamily> ColumnFamilies => _cfs;

    /// <summary>Commands skipped because their epoch version was not the region's.</summary>
    public long EpochMismatches => Interlocked.Read(ref _epochMismatches);

    /// <summary>Records region <paramref name="regionId"/>'s epoch version (a region created or changed).</summary>
    public void SetEpochVersion(ulong regionId, ulong version) => _epochVersions[regionId] = version;

    /// <inheritdoc/>
    /// <exception cref="StoreCorruptionException">The command is malformed.</exception>
    public void Apply(ulong regionId, ulong index, ReadOnlySpan<byte> command, WriteBatch batch)
    {
        (_, ulong version) = KvWriteCommand.DecodeEpoch(regionId, index, command);
        if (!_epochVersions.TryGetValue(regionId, out ulong current) || current != version)
        {
            Interlocked.Increment(ref _epochMismatches);
            return;
        }

        int offset = KvWriteCommand.HeaderLength;
        while (offset < command.Length)
        {
            KvModify m = KvWriteCommand.ReadModification(regionId, index, command, ref offset);
            ColumnFamily cf = _cfs[(int)m.Cf];
            ReadOnlySpan<byte> key = DataKey(ref t_key, m.Key);
            switch (m.Op)
            {
                case KvModifyOp.Put:
                    batch.Put(cf, key, m.Value);
                    break;
                case KvModifyOp.Delete:
                    batch.Delete(cf, key);
                    break;
                default:
                    batch.DeleteRange(cf, key, DataKey(ref t_end, m.Value));
                    break;
            }
        }
    }

    /// <summary><c>z</c> + <paramref name="key"/> in <paramref name="buffer"/> (grown as needed).</summary>
    internal static ReadOnlySpan<byte> DataKey(ref byte[]? buffer, ReadOnlySpan<byte> key)
    {
        if (buffer is null || buffer.Length < key.Length + 1)
        {
            buffer = new byte[Math.Max(64, (key.Length + 1) * 2)];
        }

        buffer[0] = KvColumnFamilies.DataPrefix;
        key.CopyTo(buffer.AsSpan(1));
        return buffer.AsSpan(0, key.Length + 1);
    }
}
