using Metapb;

namespace ManagedKv.Node.Pd;

/// <summary>
/// A region as PD routes it (GetRegion / GetRegionByID / ScanRegions): its meta, the leader PD last heard from (null
/// when unknown) and the peers its leader reported down or pending. Immutable once returned.
/// </summary>
/// <param name="Region">The region's meta: id, range, epoch, peers.</param>
/// <param name="Leader">The leader peer, or null.</param>
/// <param name="DownPeers">Peers the leader reported silent, with how long.</param>
/// <param name="PendingPeers">Peers the leader reported lagging.</param>
public sealed record PdRegion(Region Region, Peer? Leader, IReadOnlyList<Pdpb.PeerStats> DownPeers, IReadOnlyList<Peer> PendingPeers);
