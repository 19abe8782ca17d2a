using System.Buffers.Binary;
using System.Numerics;

namespace ManagedKv.Raft;

/// <summary>CRC-32C (Castagnoli) over <see cref="BitOperations.Crc32C(uint, ulong)"/>, hardware accelerated where
/// available. Standard presentation: initial value and final xor 0xFFFFFFFF.</summary>
internal static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data.Slice(8);
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc ^ 0xFFFFFFFF;
    }
}
