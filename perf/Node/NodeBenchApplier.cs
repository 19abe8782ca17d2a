using ManagedKv.Lsm;
using ManagedKv.Node.Store;

namespace ManagedKv.Perf.Node;

/// <summary>The benchmark's state machine: command = key length (1 byte) || key || value, a put into the default CF.</summary>
internal sealed class NodeBenchApplier : IApplyHandler
{
    public static byte[] Encode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        byte[] command = new byte[1 + key.Length + value.Length];
        command[0] = (byte)key.Length;
        key.CopyTo(command.AsSpan(1));
        value.CopyTo(command.AsSpan(1 + key.Length));
        return command;
    }

    public void Apply(ulong regionId, ulong index, ReadOnlySpan<byte> command, WriteBatch batch)
    {
        int keyLength = command[0];
        batch.Put(command.Slice(1, keyLength), command[(1 + keyLength)..]);
    }
}
