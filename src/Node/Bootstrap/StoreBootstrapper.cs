using ManagedKv.Lsm;
using ManagedKv.Node.Pd;
using ManagedKv.Node.Store;
using ManagedKv.RaftEngine;
using Metapb;

namespace ManagedKv.Node.Bootstrap;

/// <summary>
/// Joins a store to its PD cluster the way TiKV's node start does (TIKV-PD-BEHAVIOUR.md §1; TiKV
/// <c>src/server/node.rs</c>, <c>raftstore/src/store/bootstrap.rs</c>):
/// <list type="number">
/// <item>If the KV engine holds no <see cref="StoreIdent"/>: AllocID a store id and persist the ident (synced). If it
/// holds one, its cluster id must be PD's (<see cref="ClusterIdMismatchException"/> otherwise) and the id is reused.</item>
/// <item>If a prepared first region is stored (a crash between prepare and the end of bootstrap), use it; else if PD is
/// not bootstrapped, AllocID a region id and a peer id and "prepare bootstrap": persist the prepare key holding the
/// region ([empty, empty), epoch 1/1, one peer on this store), then the region's initial Raft, apply and region states.</item>
/// <item>With a prepared region, call Bootstrap. On success remove the prepare key. On ALREADY_BOOTSTRAPPED, ask PD for
/// the first region: if it is ours (we bootstrapped before a crash), remove the prepare key; otherwise clear the
/// prepared region entirely and poll IsBootstrapped. Other failures retry every <see cref="StoreBootstrapOptions.RetryInterval"/>.</item>
/// <item>PutStore with the store's meta.</item>
/// </list>
/// Called once, before the store starts its peers (so a prepared region never ran and may be rewritten).
/// </summary>
public static class StoreBootstrapper
{
    /// <summary>Runs the bootstrap above; returns the store's ident. <paramref name="store"/>'s id is set to the store id.</summary>
    /// <param name="engines">The store's engines.</param>
    /// <param name="pd">A connected PD client.</param>
    /// <param name="store">The store's meta for PutStore/Bootstrap: address, version, labels, status address…</param>
    /// <param name="options">Retry settings (TiKV's defaults when null).</param>
    /// <param name="cancellationToken">Cancels the waits between retries.</param>
    /// <exception cref="ClusterIdMismatchException">The stored ident names another cluster.</exception>
    /// <exception cref="PdException">PD refused (e.g. STORE_TOMBSTONE on PutStore) or stayed unreachable.</exception>
    public static async Task<StoreIdent> BootstrapAsync(StoreEngines engines, PdClient pd, Metapb.Store store,
        StoreBootstrapOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new StoreBootstrapOptions();
        StoreIdent ident = await EnsureStoreIdentAsync(engines, pd, cancellationToken).ConfigureAwait(false);
        store.Id = ident.StoreId;

        Region? first = await CheckOrPrepareBootstrapClusterAsync(engines, pd, ident.StoreId, cancellationToken).ConfigureAwait(false);
        if (first is not null)
        {
            await BootstrapClusterAsync(engines, pd, store, first, options, cancellationToken).ConfigureAwait(false);
        }

        await pd.PutStoreAsync(store, cancellationToken).ConfigureAwait(false);
        return ident;
    }

    /// <summary>The store's persisted ident, or null for a store that never joined a cluster.</summary>
    /// <exception cref="StoreCorruptionException">The stored ident is malformed.</exception>
    public static StoreIdent? LoadStoreIdent(StoreEngines engines)
    {
        ArgumentNullException.ThrowIfNull(engines);
        byte[]? value = engines.KvDb.Get(engines.RaftCf, BootstrapFormat.StoreIdentKey);
        return value is null ? null : BootstrapCodec.DecodeStoreIdent(value);
    }

    /// <summary>The prepared first region (prepare key present), or null.</summary>
    public static Region? LoadPreparedRegion(StoreEngines engines)
    {
        ArgumentNullException.ThrowIfNull(engines);
        byte[]? value = engines.KvDb.Get(engines.RaftCf, BootstrapFormat.PrepareBootstrapKey);
        return value is null ? null : BootstrapCodec.DecodePreparedRegion(value);
    }

    /// <summary>Step 1: the stored ident (checked against PD's cluster id), or a new one with a store id from AllocID.</summary>
    internal static async Task<StoreIdent> EnsureStoreIdentAsync(StoreEngines engines, PdClient pd, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(engines);
        ArgumentNullException.ThrowIfNull(pd);
        if (LoadStoreIdent(engines) is StoreIdent stored)
        {
            if (stored.ClusterId != pd.ClusterId)
            {
                throw new ClusterIdMismatchException(engines.Directory, stored.ClusterId, pd.ClusterId);
            }

            return stored;
        }

        // TiKV's bootstrap_store refuses an engine that already holds data without an ident.
        if (engines.LoadRegionStates().Count != 0 || LoadPreparedRegion(engines) is not null)
        {
            throw new InvalidOperationException($"Store at {engines.Directory} holds regions but no store ident; refusing to bootstrap it");
        }

        ulong storeId = await pd.AllocIdAsync(cancellationToken).ConfigureAwait(false);
        var ident = new StoreIdent(pd.ClusterId, storeId);
        Span<byte> value = stackalloc byte[BootstrapFormat.MaxStoreIdentLength];
        int n = BootstrapCodec.EncodeStoreIdent(ident, value);
        var batch = new WriteBatch();
        batch.Put(engines.RaftCf, BootstrapFormat.StoreIdentKey, value[..n]);
        engines.KvDb.Write(batch, new WriteOptions { Sync = true });
        return ident;
    }

    /// <summary>Step 2: the region to bootstrap the cluster with, or null when PD is bootstrapped and none is prepared.</summary>
    internal static async Task<Region?> CheckOrPrepareBootstrapClusterAsync(StoreEngines engines, PdClient pd, ulong storeId,
        CancellationToken cancellationToken)
    {
        if (LoadPreparedRegion(engines) is Region prepared)
        {
            // A crash after prepare: the region never ran (peers start after bootstrap), so its initial states are
            // rewritten, whichever of them reached the disk.
            ClearRegionStates(engines, prepared.Id);
            PeerStorage.BootstrapRegion(engines, prepared);
            return prepared;
        }

        if (await pd.IsBootstrappedAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        ulong regionId = await pd.AllocIdAsync(cancellationToken).ConfigureAwait(false);
        ulong peerId = await pd.AllocIdAsync(cancellationToken).ConfigureAwait(false);
        Region region = FirstRegion(storeId, regionId, peerId);
        PrepareBootstrapCluster(engines, region);
        return region;
    }

    /// <summary>TiKV's initial_region: [empty, empty), epoch conf_ver 1 / version 1, one voter on <paramref name="storeId"/>.</summary>
    internal static Region FirstRegion(ulong storeId, ulong regionId, ulong peerId) => new()
    {
        Id = regionId,
        RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 1 },
        Peers = { new Metapb.Peer { Id = peerId, StoreId = storeId } },
    };

    /// <summary>Writes the prepare key (synced), then the region's initial Raft, apply and region states.</summary>
    internal static void PrepareBootstrapCluster(StoreEngines engines, Region region)
    {
        var batch = new WriteBatch();
        batch.Put(engines.RaftCf, BootstrapFormat.PrepareBootstrapKey, BootstrapCodec.EncodePreparedRegion(region));
        engines.KvDb.Write(batch, new WriteOptions { Sync = true });
        PeerStorage.BootstrapRegion(engines, region);
    }

    private static async Task BootstrapClusterAsync(StoreEngines engines, PdClient pd, Metapb.Store store, Region first,
        StoreBootstrapOptions options, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (int attempt = 0; attempt < options.MaxRetries; attempt++)
        {
            try
            {
                await pd.BootstrapAsync(store, first, cancellationToken).ConfigureAwait(false);
                ClearPrepareBootstrapKey(engines);
                return;
            }
            catch (PdException e) when (e.ErrorType == Pdpb.ErrorType.AlreadyBootstrapped)
            {
                PdRegion? pdFirst = await pd.GetRegionAsync(ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                if (pdFirst is not null && pdFirst.Region.Equals(first))
                {
                    // We bootstrapped it before a crash kept us from removing the prepare key.
                    ClearPrepareBootstrapKey(engines);
                }
                else
                {
                    ClearPrepareBootstrapCluster(engines, first.Id);
                    await WaitBootstrappedAsync(pd, options, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (PdException e) when (e.Retryable || e.GrpcStatus is null)
            {
                last = e;
            }

            await Task.Delay(options.RetryInterval, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"Bootstrapping the cluster with region {first.Id} failed {options.MaxRetries} times", last);
    }

    private static async Task WaitBootstrappedAsync(PdClient pd, StoreBootstrapOptions options, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < options.MaxRetries; attempt++)
        {
            if (await pd.IsBootstrappedAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await Task.Delay(options.RetryInterval, cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"PD cluster {pd.ClusterId} is still not bootstrapped after {options.MaxRetries} checks");
    }

    private static void ClearPrepareBootstrapKey(StoreEngines engines)
    {
        var batch = new WriteBatch();
        batch.Delete(engines.RaftCf, BootstrapFormat.PrepareBootstrapKey);
        engines.KvDb.Write(batch, new WriteOptions { Sync = true });
    }

    /// <summary>Removes the prepared region's states and then the prepare key (TiKV's clear_prepare_bootstrap_cluster).</summary>
    internal static void ClearPrepareBootstrapCluster(StoreEngines engines, ulong regionId)
    {
        ClearRegionStates(engines, regionId);
        ClearPrepareBootstrapKey(engines);
    }

    private static void ClearRegionStates(StoreEngines engines, ulong regionId)
    {
        var raft = new LogBatch();
        raft.Clean(regionId);
        engines.RaftEngine.Write(raft, sync: true);

        Span<byte> key = stackalloc byte[11];
        var kv = new WriteBatch();
        StoreKeys.RegionStateKey(regionId, key);
        kv.Delete(engines.RaftCf, key);
        StoreKeys.ApplyStateKey(regionId, key);
        kv.Delete(engines.RaftCf, key);
        engines.KvDb.Write(kv, new WriteOptions { Sync = true });
    }
}
