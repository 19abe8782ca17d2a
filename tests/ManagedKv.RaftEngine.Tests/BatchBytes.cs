using System.Buffers.Binary;
using ManagedKv.Lsm.Util;

namespace ManagedKv.RaftEngine.Tests;

/// <summary>
/// Test-side batch codecs by FORMAT.md: walks the batches of a current (version 3) file, and encodes batches the way
/// format versions 1 and 2 wrote them, so tests can build older files byte by byte.
/// </summary>
internal static class BatchBytes
{
    private static ulong SeqOf(string file) => ulong.Parse(Path.GetFileName(file)[..16], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Walks the batches of version 3 file <paramref name="file"/> from its header while their header checksum
    /// (seeded with the file's sequence) holds; returns each batch's offset and where the last one ends.
    /// </summary>
    public static List<long> Walk(string file, out long end)
    {
        byte[] bytes = File.ReadAllBytes(file);
        ulong seq = SeqOf(file);
        var offsets = new List<long>();
        long offset = LogFileFormat.HeaderSize;
        while (offset + BatchFormat.MinHeaderSize <= bytes.Length)
        {
            ReadOnlySpan<byte> at = bytes.AsSpan((int)offset);
            int n1 = Coding.TryReadVarint64(at[4..], out ulong items);
            ulong data = 0;
            int n2 = n1 == 0 ? 0 : Coding.TryReadVarint64(at[(4 + n1)..], out data);
            if (n1 == 0 || n2 == 0 || items == 0 || 4 + n1 + n2 + (long)items + (long)data > at.Length)
            {
                break;
            }
            int headAndItems = 4 + n1 + n2 + (int)items;
            if (Checksum.Compute(at[4..headAndItems], seq) != BinaryPrimitives.ReadUInt32LittleEndian(at))
            {
                break;
            }
            offsets.Add(offset);
            offset += headAndItems + (long)data;
        }
        end = offset;
        return offsets;
    }

    /// <summary>Where the data of version 3 file <paramref name="file"/> ends (see <see cref="Walk"/>).</summary>
    public static long DataEnd(string file)
    {
        Walk(file, out long end);
        return end;
    }

    /// <summary>
    /// A batch as format versions 1-2 wrote it (FORMAT.md: 16-byte header with the file tag, items naming their
    /// region, Entries with compression byte, block length and every entry length): one uncompressed Entries item
    /// and one PutState, for file <paramref name="fileSeq"/> with header field <paramref name="fileTag"/> (version 1:
    /// 0; version 2: the sequence).
    /// </summary>
    public static byte[] VersionTwoBatch(ulong fileSeq, uint fileTag, ulong region, ulong firstIndex, byte[][] entries, byte[] key, byte[] value)
    {
        var items = new List<byte>();
        void Varint(ulong v)
        {
            Span<byte> buffer = stackalloc byte[10];
            int n = Coding.WriteVarint64(buffer, v);
            items.AddRange(buffer[..n].ToArray());
        }
        var block = new List<byte>();
        foreach (byte[] e in entries)
        {
            block.AddRange(e);
        }
        items.Add(BatchFormat.TagEntries);
        Varint(region);
        Varint(firstIndex);
        Varint((ulong)entries.Length);
        items.Add(BatchFormat.CompressionNone);
        Varint((ulong)block.Count);
        Varint((ulong)block.Count + 4);
        foreach (byte[] e in entries)
        {
            Varint((ulong)e.Length);
        }
        items.Add(BatchFormat.TagPutState);
        Varint(region);
        Varint((ulong)key.Length);
        items.AddRange(key);
        Varint((ulong)value.Length);
        items.AddRange(value);
        byte[] checksum = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, Checksum.Compute(block.ToArray(), BatchFormat.CompressionNone));
        block.AddRange(checksum);

        byte[] batch = new byte[16 + items.Count + block.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(batch.AsSpan(4), (uint)batch.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(batch.AsSpan(8), (uint)items.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(batch.AsSpan(12), fileTag);
        items.ToArray().CopyTo(batch, 16);
        block.ToArray().CopyTo(batch, 16 + items.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(batch, Checksum.Compute(batch.AsSpan(4, 12 + items.Count), fileSeq));
        return batch;
    }
}
