using System.IO.Hashing;
using System.Runtime.CompilerServices;

namespace ManagedKv.Lsm.Util;

/// <summary>
/// The one checksum of the LSM engine's formats: the low 32 bits of XXH3-64 (System.IO.Hashing) over the
/// covered bytes, seeded with a one-byte tag (a WAL record type or a block compression type) so the tag is
/// covered without a second pass. Named "xxh3-low32" in FORMAT.md.
/// </summary>
internal static class Checksum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Compute(ReadOnlySpan<byte> data, byte tag = 0) => (uint)XxHash3.HashToUInt64(data, tag);
}
