using System.Runtime.InteropServices;

namespace ManagedKv.Raft;

/// <summary>Writable access to memory this library owns but exposes read-only.</summary>
internal static class MemoryMarshalHelper
{
    public static Memory<byte> AsWritable(ReadOnlyMemory<byte> memory) => MemoryMarshal.AsMemory(memory);
}
