using System.Diagnostics.CodeAnalysis;

namespace ManagedKv.RaftEngine;

/// <summary>Throw sites kept out of hot methods so those stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowCorruption(string path, long offset, string reason) => throw new CorruptionException(path, offset, reason);

    [DoesNotReturn]
    public static void ThrowArgument(string message, string? paramName = null) => throw new ArgumentException(message, paramName);

    [DoesNotReturn]
    public static void ThrowArgumentOutOfRange(string paramName, string message) => throw new ArgumentOutOfRangeException(paramName, message);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);

    [DoesNotReturn]
    public static void ThrowObjectDisposed() => throw new ObjectDisposedException(nameof(RaftLogEngine));
}
