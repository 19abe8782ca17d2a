// Options of one PD member: where it keeps its metadata, where it listens, and PD's timing knobs.
using ManagedKv.Pd.Tso;

namespace ManagedKv.Pd.Server;

/// <summary>Configuration of a PD member (<see cref="PdServer"/>) and of its core (<see cref="Cluster.PdCluster"/>).</summary>
public sealed class PdOptions
{
    /// <summary>Directory of PD's metadata database (created if missing). Required.</summary>
    public string DataDir { get; set; } = "";

    /// <summary>host:port the gRPC server listens on (HTTP/2 cleartext). Port 0 = an ephemeral port. Default 127.0.0.1:2379.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1:2379";

    /// <summary>
    /// host:port advertised to clients in GetMembers (client_urls). Default: the bound address, with a wildcard
    /// host (0.0.0.0 / ::) replaced by 127.0.0.1.
    /// </summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>This member's name (GetMembers). Default "pd".</summary>
    public string Name { get; set; } = "pd";

    /// <summary>
    /// How far ahead of the handed-out physical time the TSO persists its bound (PD's tso-save-interval).
    /// Default 3 s; at least 1 ms.
    /// </summary>
    public TimeSpan TsoSaveInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>max_peer_count written into the cluster metadata at bootstrap (PD's max-replicas). Default 3.</summary>
    public uint MaxPeerCount { get; set; } = 3;

    /// <summary>The wall clock (tests substitute one that can go backwards). Default: the system clock.</summary>
    public IPdClock Clock { get; set; } = SystemPdClock.Instance;

    /// <summary>
    /// How long <see cref="PdServer.DisposeAsync"/> lets open calls finish before it aborts them. Clients hold Tso and
    /// RegionHeartbeat streams open for their whole life, so a graceful stop would otherwise wait for the host's
    /// 30 s default; clients reconnect (to this member restarted, or to another one) either way.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
