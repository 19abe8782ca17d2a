using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace ManagedKv.RaftEngine;

/// <summary>
/// The one checksum of the RaftEngine format: the low 32 bits of XXH3-64 (System.IO.Hashing) over the covered
/// bytes with a 64-bit seed. Batch headers are seeded with the file sequence number (so a batch copied into another
/// file fails its check), entry blocks with their compression type. Named "xxh3-low32" in FORMAT.md.
/// </summary>
internal static class Checksum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> data, ulong seed) => (uint)XxHash3.HashToUInt64(data, (long)seed);
}
