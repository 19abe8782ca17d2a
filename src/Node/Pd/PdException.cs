using Grpc.Core;
using Pdpb;

namespace ManagedKv.Node.Pd;

/// <summary>
/// A PD request failed: either PD answered with a header error (<see cref="ErrorType"/> is PD's, e.g.
/// <see cref="Pdpb.ErrorType.AlreadyBootstrapped"/>, <see cref="GrpcStatus"/> is null), or the gRPC call itself failed
/// after the client's retries (<see cref="GrpcStatus"/> set, <see cref="ErrorType"/> = <see cref="Pdpb.ErrorType.Unknown"/>).
/// <see cref="Retryable"/> says whether the same request may succeed later (PD unreachable, leader changing, TSO stream
/// broken) as opposed to a definite answer (header error, cluster-id mismatch, invalid argument).
/// </summary>
public sealed class PdException : Exception
{
    /// <summary>Creates the exception for a header error answered by PD.</summary>
    public PdException(ErrorType errorType, string message)
        : base($"PD error {errorType}: {message}")
    {
        ErrorType = errorType;
    }

    /// <summary>Creates the exception for a failed gRPC exchange.</summary>
    public PdException(StatusCode status, string message, bool retryable, Exception? inner)
        : base($"PD request failed ({status}): {message}", inner)
    {
        ErrorType = ErrorType.Unknown;
        GrpcStatus = status;
        Retryable = retryable;
    }

    /// <summary>PD's error type (<see cref="Pdpb.ErrorType.Unknown"/> for gRPC failures).</summary>
    public ErrorType ErrorType { get; }

    /// <summary>The gRPC status of a failed exchange; null for a header error.</summary>
    public StatusCode? GrpcStatus { get; }

    /// <summary>Whether retrying the request later may succeed.</summary>
    public bool Retryable { get; }
}
