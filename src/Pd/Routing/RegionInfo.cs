// What PD knows about one region: its metadata (range, epoch, peers) and what the leader last reported (leader,
// down/pending peers, size, flow, term). Built from a region heartbeat or loaded from storage (no leader then).
//
// Immutable by convention: the tree shares instances with readers and responses; never mutate Meta or the lists
// after construction. A change produces a new RegionInfo.
using Google.Protobuf;

namespace ManagedKv.Pd.Routing;

/// <summary>A region as PD caches it.</summary>
public sealed class RegionInfo
{
    private static readonly Metapb.RegionEpoch s_noEpoch = new();

    /// <summary>Creates a region with no leader report (bootstrap, storage, tests).</summary>
    public RegionInfo(Metapb.Region meta, Metapb.Peer? leader = null)
    {
        ArgumentNullException.ThrowIfNull(meta);
        Meta = meta;
        Leader = leader;
        DownPeers = [];
        PendingPeers = [];
    }

    private RegionInfo(Pdpb.RegionHeartbeatRequest heartbeat)
    {
        Meta = heartbeat.Region;
        Leader = heartbeat.Leader;
        DownPeers = heartbeat.DownPeers;
        PendingPeers = heartbeat.PendingPeers;
        ApproximateSize = heartbeat.ApproximateSize;
        ApproximateKeys = heartbeat.ApproximateKeys;
        BytesWritten = heartbeat.BytesWritten;
        BytesRead = heartbeat.BytesRead;
        KeysWritten = heartbeat.KeysWritten;
        KeysRead = heartbeat.KeysRead;
        Term = heartbeat.Term;
    }

    /// <summary>The region as reported by a leader's heartbeat; the request must not be used afterwards.</summary>
    /// <exception cref="ArgumentException">the heartbeat carries no region.</exception>
    public static RegionInfo FromHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat)
    {
        ArgumentNullException.ThrowIfNull(heartbeat);
        if (heartbeat.Region is null)
        {
            throw new ArgumentException("region heartbeat carries no region", nameof(heartbeat));
        }
        return new RegionInfo(heartbeat);
    }

    /// <summary>Id, range, epoch and peers.</summary>
    public Metapb.Region Meta { get; }

    /// <summary>The leader peer from the last heartbeat; null if no heartbeat arrived since PD started.</summary>
    public Metapb.Peer? Leader { get; }

    /// <summary>Peers the leader reported as down.</summary>
    public IReadOnlyList<Pdpb.PeerStats> DownPeers { get; }

    /// <summary>Peers the leader reported as lagging.</summary>
    public IReadOnlyList<Metapb.Peer> PendingPeers { get; }

    /// <summary>Approximate size in bytes, from the heartbeat.</summary>
    public ulong ApproximateSize { get; }

    /// <summary>Approximate number of keys, from the heartbeat.</summary>
    public ulong ApproximateKeys { get; }

    /// <summary>Bytes written in the last heartbeat interval.</summary>
    public ulong BytesWritten { get; }

    /// <summary>Bytes read in the last heartbeat interval.</summary>
    public ulong BytesRead { get; }

    /// <summary>Keys written in the last heartbeat interval.</summary>
    public ulong KeysWritten { get; }

    /// <summary>Keys read in the last heartbeat interval.</summary>
    public ulong KeysRead { get; }

    /// <summary>The leader's Raft term (0 = not reported).</summary>
    public ulong Term { get; }

    /// <summary>Region id.</summary>
    public ulong Id => Meta.Id;

    /// <summary>Inclusive start key; empty = −∞.</summary>
    public ByteString StartKey => Meta.StartKey;

    /// <summary>Exclusive end key; empty = +∞.</summary>
    public ByteString EndKey => Meta.EndKey;

    /// <summary>The epoch (an empty epoch when the metadata has none).</summary>
    public Metapb.RegionEpoch Epoch => Meta.RegionEpoch ?? s_noEpoch;

    /// <summary>True if <paramref name="key"/> lies in [StartKey, EndKey).</summary>
    public bool Contains(ReadOnlySpan<byte> key) =>
        key.SequenceCompareTo(StartKey.Span) >= 0 && (EndKey.IsEmpty || key.SequenceCompareTo(EndKey.Span) < 0);

    /// <inheritdoc />
    public override string ToString() =>
        $"region {Id} [{Convert.ToHexString(StartKey.Span)}, {Convert.ToHexString(EndKey.Span)}) " +
        $"epoch conf_ver {Epoch.ConfVer} version {Epoch.Version}";
}
