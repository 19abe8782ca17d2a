// PD's header errors (pdpb.Error in ResponseHeader.error, gRPC status OK), with PD's messages
// (TIKV-PD-BEHAVIOUR.md §1, §4; PD server/grpc_service.go).
namespace ManagedKv.Pd.Cluster;

/// <summary>Factory of PD header errors.</summary>
public static class PdErrors
{
    /// <summary>NOT_BOOTSTRAPPED "cluster is not bootstrapped".</summary>
    public static Pdpb.Error NotBootstrapped() =>
        new() { Type = Pdpb.ErrorType.NotBootstrapped, Message = "cluster is not bootstrapped" };

    /// <summary>ALREADY_BOOTSTRAPPED "cluster is already bootstrapped".</summary>
    public static Pdpb.Error AlreadyBootstrapped() =>
        new() { Type = Pdpb.ErrorType.AlreadyBootstrapped, Message = "cluster is already bootstrapped" };

    /// <summary>STORE_TOMBSTONE "store is tombstone".</summary>
    public static Pdpb.Error StoreTombstone() =>
        new() { Type = Pdpb.ErrorType.StoreTombstone, Message = "store is tombstone" };

    /// <summary>REGION_NOT_FOUND with <paramref name="message"/>.</summary>
    public static Pdpb.Error RegionNotFound(string message) =>
        new() { Type = Pdpb.ErrorType.RegionNotFound, Message = message };

    /// <summary>UNKNOWN with <paramref name="message"/> (PD's wrapErrorToHeader(UNKNOWN, err)).</summary>
    public static Pdpb.Error Unknown(string message) =>
        new() { Type = Pdpb.ErrorType.Unknown, Message = message };
}
