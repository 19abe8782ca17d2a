using System.Buffers.Binary;
using ManagedKv.Lsm.Util;
using ManagedKv.Node.Store;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// The KV write command (src/Node/FORMAT.md, "KV write command"): a Txn <see cref="KvWriteBatch"/> and the region epoch
/// it was checked against, as the payload of a tag-0 Raft write entry. Version 1: version byte, epoch conf_ver and
/// version (u64 LE each), then per modification op, cf, varint32 key length, key, and (not for Delete) varint32 value
/// length, value. Stateless and thread-safe.
/// </summary>
public static class KvWriteCommand
{
    /// <summary>The format version written. On-disk: never change its meaning.</summary>
    public const byte Version = 1;

    /// <summary>Bytes before the first modification.</summary>
    public const int HeaderLength = 1 + 8 + 8;

    /// <summary>Encodes <paramref name="batch"/> under <paramref name="epoch"/>.</summary>
    public static byte[] Encode(KvWriteBatch batch, Metapb.RegionEpoch epoch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(epoch);
        int length = HeaderLength;
        foreach (KvModify m in batch)
        {
            length += 2 + Coding.VarintLength((ulong)m.Key.Length) + m.Key.Length;
            if (m.Op != KvModifyOp.Delete)
            {
                length += Coding.VarintLength((ulong)m.Value.Length) + m.Value.Length;
            }
        }

        byte[] command = new byte[length];
        Span<byte> dst = command;
        dst[0] = Version;
        BinaryPrimitives.WriteUInt64LittleEndian(dst[1..], epoch.ConfVer);
        BinaryPrimitives.WriteUInt64LittleEndian(dst[9..], epoch.Version);
        int n = HeaderLength;
        foreach (KvModify m in batch)
        {
            dst[n++] = (byte)m.Op;
            dst[n++] = (byte)m.Cf;
            n += Coding.WriteVarint32(dst[n..], (uint)m.Key.Length);
            m.Key.CopyTo(dst[n..]);
            n += m.Key.Length;
            if (m.Op != KvModifyOp.Delete)
            {
                n += Coding.WriteVarint32(dst[n..], (uint)m.Value.Length);
                m.Value.CopyTo(dst[n..]);
                n += m.Value.Length;
            }
        }

        return command;
    }

    /// <summary>The epoch (conf_ver, version) in <paramref name="command"/>.</summary>
    /// <exception cref="StoreCorruptionException">Too short, or an unknown version.</exception>
    public static (ulong ConfVer, ulong Version) DecodeEpoch(ulong regionId, ulong index, ReadOnlySpan<byte> command)
    {
        if (command.Length < HeaderLength)
        {
            throw Corrupt(regionId, index, 0, $"KV write command of {command.Length} bytes is shorter than its header");
        }

        if (command[0] != Version)
        {
            throw Corrupt(regionId, index, 0, $"unknown KV write command version {command[0]}");
        }

        return (BinaryPrimitives.ReadUInt64LittleEndian(command[1..]), BinaryPrimitives.ReadUInt64LittleEndian(command[9..]));
    }

    /// <summary>Reads the modification at <paramref name="offset"/> (after the header) and advances the offset.</summary>
    /// <exception cref="StoreCorruptionException">A bad op or cf, or a length past the end.</exception>
    public static KvModify ReadModification(ulong regionId, ulong index, ReadOnlySpan<byte> command, ref int offset)
    {
        int start = offset;
        if (command.Length - offset < 2)
        {
            throw Corrupt(regionId, index, start, "truncated modification header");
        }

        byte op = command[offset];
        byte cf = command[offset + 1];
        if (op is not ((byte)KvModifyOp.Put or (byte)KvModifyOp.Delete or (byte)KvModifyOp.DeleteRange) || cf >= EngineCfNames.Count)
        {
            throw Corrupt(regionId, index, start, $"bad modification header op={op} cf={cf}");
        }

        offset += 2;
        ReadOnlySpan<byte> key = ReadField(regionId, index, command, ref offset, start);
        ReadOnlySpan<byte> value = op != (byte)KvModifyOp.Delete ? ReadField(regionId, index, command, ref offset, start) : default;
        return new KvModify((KvModifyOp)op, (EngineCf)cf, key, value);
    }

    private static ReadOnlySpan<byte> ReadField(ulong regionId, ulong index, ReadOnlySpan<byte> command, ref int offset, int start)
    {
        int n = Coding.TryReadVarint32(command[offset..], out uint length);
        if (n <= 0 || length > (uint)(command.Length - offset - n))
        {
            throw Corrupt(regionId, index, start, "bad or truncated field length");
        }

        offset += n;
        ReadOnlySpan<byte> field = command.Slice(offset, (int)length);
        offset += (int)length;
        return field;
    }

    private static StoreCorruptionException Corrupt(ulong regionId, ulong index, int offset, string detail) =>
        new(regionId, "entry " + index, offset, detail);
}
