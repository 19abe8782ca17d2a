using ManagedKv.Lsm.Util;

namespace ManagedKv.Node.Store;

/// <summary>
/// The data of a normal Raft entry proposed by a <see cref="Peer"/> (src/Node/FORMAT.md, "Raft command"): a tag byte,
/// then a write command handed to the <see cref="IApplyHandler"/> (tag 0) or a CompactLog admin command (tag 1:
/// compact index and term, varints). Empty data is the leader's no-op entry. Stateless and thread-safe.
/// </summary>
public static class RaftCommand
{
    /// <summary>Tag of a write command: the rest of the data is the handler's. On-disk: never renumber.</summary>
    public const byte WriteTag = 0;

    /// <summary>Tag of a CompactLog admin command. On-disk: never renumber.</summary>
    public const byte CompactLogTag = 1;

    /// <summary>Wraps <paramref name="command"/> as a write command's entry data.</summary>
    public static byte[] EncodeWrite(ReadOnlySpan<byte> command)
    {
        byte[] data = new byte[1 + command.Length];
        data[0] = WriteTag;
        command.CopyTo(data.AsSpan(1));
        return data;
    }

    /// <summary>Encodes a CompactLog admin command: truncate the log at <paramref name="compactIndex"/> (term
    /// <paramref name="compactTerm"/>).</summary>
    public static byte[] EncodeCompactLog(ulong compactIndex, ulong compactTerm)
    {
        Span<byte> buf = stackalloc byte[21];
        buf[0] = CompactLogTag;
        int n = 1 + Coding.WriteVarint64(buf[1..], compactIndex);
        n += Coding.WriteVarint64(buf[n..], compactTerm);
        return buf[..n].ToArray();
    }

    /// <summary>Decodes the body of a CompactLog command (after the tag).</summary>
    /// <exception cref="StoreCorruptionException">The body is malformed.</exception>
    public static (ulong Index, ulong Term) DecodeCompactLog(ulong regionId, ulong entryIndex, ReadOnlySpan<byte> body)
    {
        int n = Coding.TryReadVarint64(body, out ulong index);
        ulong term = 0;
        int m = n == 0 ? 0 : Coding.TryReadVarint64(body[n..], out term);
        if (n == 0 || m == 0 || n + m != body.Length)
        {
            throw new StoreCorruptionException(regionId, "entry " + entryIndex, 1, "malformed CompactLog command");
        }

        return (index, term);
    }
}
