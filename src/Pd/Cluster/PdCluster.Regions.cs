// Regions: heartbeats with PD's staleness rules, routing queries, split id allocation
// (TIKV-PD-BEHAVIOUR.md §2, §4, §5; PD pkg/core/region.go, server/cluster/cluster_worker.go).
using ManagedKv.Pd.Routing;

namespace ManagedKv.Pd.Cluster;

public sealed partial class PdCluster
{
    private readonly Lock _heartbeatLock = new(); // serializes region check-and-put with its persistence

    /// <summary>
    /// Applies a region heartbeat (PD HandleRegionHeartbeat). Rejected as stale (UNKNOWN "region is stale") when
    /// its epoch version is below an overlapping region's, or its version or conf_ver is below the cached copy's,
    /// or its term (when reported) is below the cached copy's. Otherwise the region replaces the cached copy and the
    /// regions it overlaps; it is persisted when it is new, its range, epoch or peers changed, or it replaced other
    /// regions — a report changing only the leader or the statistics updates the cache alone.
    /// </summary>
    /// <param name="region">The reported region (<see cref="RegionInfo.FromHeartbeat"/>).</param>
    /// <param name="persisted">True when the region record was written to storage.</param>
    public Pdpb.Error? HandleRegionHeartbeat(RegionInfo region, out bool persisted)
    {
        ArgumentNullException.ThrowIfNull(region);
        persisted = false;
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        if (region.Leader is null)
        {
            return PdErrors.Unknown($"invalid request leader, {region}");
        }
        if (region.Id == 0)
        {
            return PdErrors.Unknown($"invalid request region, {region}");
        }
        if (region.Meta.Peers.Count == 0)
        {
            return PdErrors.Unknown($"invalid region, zero region peer count: {region}");
        }
        lock (_heartbeatLock)
        {
            RegionInfo? origin = Regions.GetById(region.Id);
            List<RegionInfo> overlaps = Regions.GetOverlaps(region.StartKey.Span, region.EndKey.Span);
            Metapb.RegionEpoch epoch = region.Epoch;
            foreach (RegionInfo item in overlaps)
            {
                if (epoch.Version < item.Epoch.Version)
                {
                    return Stale(region, item);
                }
            }
            if (origin is not null)
            {
                Metapb.RegionEpoch o = origin.Epoch;
                bool termBehind = region.Term > 0 && region.Term < origin.Term;
                if (termBehind || epoch.Version < o.Version || epoch.ConfVer < o.ConfVer)
                {
                    return Stale(region, origin);
                }
            }
            bool save = origin is null || NeedsSave(region, origin);
            List<RegionInfo> removed = Regions.Put(region);
            List<ulong>? deleted = null;
            foreach (RegionInfo r in removed)
            {
                if (r.Id != region.Id)
                {
                    (deleted ??= new List<ulong>()).Add(r.Id);
                }
            }
            if (save || deleted is not null)
            {
                _storage.SaveRegion(region.Meta, deleted);
                persisted = true;
            }
            return null;
        }
    }

    private static Pdpb.Error Stale(RegionInfo region, RegionInfo current) =>
        PdErrors.Unknown($"region is stale: region {region}, current {current}");

    // PD's region guide saves to storage when the epoch, the range or the peer list changed.
    private static bool NeedsSave(RegionInfo region, RegionInfo origin)
    {
        Metapb.RegionEpoch e = region.Epoch;
        Metapb.RegionEpoch o = origin.Epoch;
        if (e.Version > o.Version || e.ConfVer > o.ConfVer)
        {
            return true;
        }
        if (!region.StartKey.Equals(origin.StartKey) || !region.EndKey.Equals(origin.EndKey))
        {
            return true;
        }
        var a = region.Meta.Peers;
        var b = origin.Meta.Peers;
        if (a.Count != b.Count)
        {
            return true;
        }
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i].Id != b[i].Id || a[i].StoreId != b[i].StoreId || a[i].Role != b[i].Role ||
                a[i].IsWitness != b[i].IsWitness)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The region containing <paramref name="key"/>, or null.</summary>
    public RegionInfo? GetRegionByKey(ReadOnlySpan<byte> key) => Regions.GetByKey(key);

    /// <summary>The region before the one containing <paramref name="key"/>, or null.</summary>
    public RegionInfo? GetPrevRegion(ReadOnlySpan<byte> key) => Regions.GetPrev(key);

    /// <summary>The region with <paramref name="regionId"/>, or null.</summary>
    public RegionInfo? GetRegionById(ulong regionId) => Regions.GetById(regionId);

    /// <summary>Regions from the one containing <paramref name="start"/> up to <paramref name="end"/> (empty = +∞), at most <paramref name="limit"/> (≤ 0 = all).</summary>
    public List<RegionInfo> ScanRegions(ReadOnlySpan<byte> start, ReadOnlySpan<byte> end, int limit) =>
        Regions.Scan(start, end, limit);

    /// <summary>
    /// Allocates ids for a batch split (PD HandleAskBatchSplit): for each of <paramref name="splitCount"/> new
    /// regions one region id then one peer id per peer of <paramref name="region"/>, in peer order — the same ids
    /// PD's sequence of AllocID calls would give. The request's region must be known by its start key and its
    /// epoch must not be older than PD's copy.
    /// </summary>
    public Pdpb.Error? AskBatchSplit(Metapb.Region? region, uint splitCount, List<Pdpb.SplitID> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        Pdpb.Error? error = ValidateSplitRegion(region);
        if (error is not null)
        {
            return error;
        }
        if (splitCount == 0)
        {
            return null;
        }
        int peers = region!.Peers.Count;
        ulong total = splitCount * (ulong)(1 + peers);
        if (total > uint.MaxValue)
        {
            return PdErrors.Unknown($"split count {splitCount} too large");
        }
        ulong next = Ids.Allocate((uint)total) - total + 1;
        for (uint i = 0; i < splitCount; i++)
        {
            var split = new Pdpb.SplitID { NewRegionId = next++ };
            for (int p = 0; p < peers; p++)
            {
                split.NewPeerIds.Add(next++);
            }
            ids.Add(split);
        }
        return null;
    }

    /// <summary>Allocates one new region id and one peer id per peer (legacy PD AskSplit).</summary>
    public Pdpb.Error? AskSplit(Metapb.Region? region, out Pdpb.SplitID? ids)
    {
        var list = new List<Pdpb.SplitID>(1);
        Pdpb.Error? error = AskBatchSplit(region, 1, list);
        ids = error is null ? list[0] : null;
        return error;
    }

    private Pdpb.Error? ValidateSplitRegion(Metapb.Region? region)
    {
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        if (region is null)
        {
            return PdErrors.RegionNotFound("missing region for split");
        }
        RegionInfo? current = Regions.GetByKey(region.StartKey.Span);
        if (current is null)
        {
            return PdErrors.Unknown($"region not found, request region: {region}");
        }
        Metapb.RegionEpoch req = region.RegionEpoch ?? new Metapb.RegionEpoch();
        Metapb.RegionEpoch cur = current.Epoch;
        if (req.Version < cur.Version || req.ConfVer < cur.ConfVer)
        {
            return PdErrors.Unknown($"invalid region epoch, request: {req}, current: {cur}");
        }
        return null;
    }

    /// <summary>
    /// Checks a batch split report (PD checkSplitRegions): at least two regions, each ending where the next starts.
    /// The routing table is not changed; the new regions' heartbeats update it.
    /// </summary>
    public Pdpb.Error? ReportBatchSplit(IReadOnlyList<Metapb.Region> regions)
    {
        ArgumentNullException.ThrowIfNull(regions);
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        if (regions.Count <= 1)
        {
            return PdErrors.Unknown("invalid split region");
        }
        for (int i = 1; i < regions.Count; i++)
        {
            if (!regions[i - 1].EndKey.Equals(regions[i].StartKey))
            {
                return PdErrors.Unknown("invalid split region");
            }
        }
        return null;
    }

    /// <summary>Checks a legacy split report: left ends where right starts. The routing table is not changed.</summary>
    public Pdpb.Error? ReportSplit(Metapb.Region? left, Metapb.Region? right)
    {
        if (_clusterMeta is null)
        {
            return PdErrors.NotBootstrapped();
        }
        if (left is null || right is null || !left.EndKey.Equals(right.StartKey))
        {
            return PdErrors.Unknown("invalid split region");
        }
        return null;
    }
}
