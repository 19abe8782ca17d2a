using Metapb;

namespace ManagedKv.Node.Store;

/// <summary>
/// A region's meta on this store: the key range, epoch and peers (the <c>metapb.Region</c> message) and the peer's
/// lifecycle state (TiKV's raft_serverpb.RegionLocalState). Stored in the KV engine's <c>raft</c> column family.
/// Encoding: src/Node/FORMAT.md, "RegionLocalState".
/// </summary>
/// <param name="State">Normal, Applying or Tombstone.</param>
/// <param name="Region">The region meta; treat as immutable once stored (clone before changing).</param>
public sealed record RegionLocalState(PeerState State, Region Region);
