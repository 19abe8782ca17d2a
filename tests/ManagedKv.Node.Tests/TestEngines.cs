using ManagedKv.Lsm;
using ManagedKv.Node.Store;
using ManagedKv.RaftEngine;
using Metapb;

namespace ManagedKv.Node.Tests;

/// <summary>Engine options small enough for tests, and region-meta helpers.</summary>
public static class TestEngines
{
    public static StoreEngines Open(string dir, long targetFileSize = 1L << 20) =>
        StoreEngines.Open(dir, RaftOptions(targetFileSize), KvOptions());

    public static RaftEngineOptions RaftOptions(long targetFileSize = 1L << 20) => new()
    {
        TargetFileSize = targetFileSize,
        PreallocateFiles = false,
        MaxRecycledFiles = 0,
        PrefillForRecycle = false,
        RecoveryThreads = 1,
        BackgroundPrefault = false,
        PurgeThreshold = 4 * targetFileSize,
        PurgeRewriteMaxRegionBytes = 1024, // regions with more live log than this are reported for compaction
    };

    public static DbOptions KvOptions() => new()
    {
        MaxBackgroundJobs = 2,
        DefaultColumnFamilyOptions = new ColumnFamilyOptions { WriteBufferSize = 4L << 20 },
    };

    /// <summary>Region <paramref name="id"/> over [start, end) with one voter per store: peer id = id * 100 + store.</summary>
    public static Region NewRegion(ulong id, byte[] start, byte[] end, IReadOnlyList<ulong> storeIds)
    {
        var region = new Region
        {
            Id = id,
            StartKey = Google.Protobuf.ByteString.CopyFrom(start),
            EndKey = Google.Protobuf.ByteString.CopyFrom(end),
            RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 1 },
        };
        foreach (ulong store in storeIds)
        {
            region.Peers.Add(new Metapb.Peer { Id = (id * 100) + store, StoreId = store, Role = PeerRole.Voter });
        }

        return region;
    }
}
