using System.Buffers.Binary;

namespace ManagedKv.Raft;

/// <summary>
/// Reads a frame written by <see cref="MessageBatchWriter"/>: checks version and checksum first, then decodes
/// every (group id, message) pair. Zero-copy: entry payloads are slices of the frame, which must stay alive and
/// unchanged while the messages are in use.
/// </summary>
public static class MessageBatchReader
{
    /// <summary>Decodes <paramref name="frame"/> into <paramref name="output"/>.</summary>
    /// <exception cref="CorruptMessageException">Unknown version, checksum mismatch or malformed content; nothing
    /// is added to <paramref name="output"/> in that case.</exception>
    public static void Read(ReadOnlyMemory<byte> frame, List<(ulong GroupId, Message Message)> output)
    {
        ReadOnlySpan<byte> span = frame.Span;
        if (span.Length < 5 + MessageCodecFormat.CrcBytes)
        {
            throw new CorruptMessageException($"frame of {span.Length} bytes is too short", 0);
        }

        if (span[0] != MessageCodecFormat.BatchVersion)
        {
            throw new CorruptMessageException($"unknown batch version {span[0]}", 0);
        }

        int bodyEnd = span.Length - MessageCodecFormat.CrcBytes;
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(bodyEnd));
        uint actual = Crc32C.Compute(span.Slice(0, bodyEnd));
        if (expected != actual)
        {
            throw new CorruptMessageException($"checksum mismatch: stored {expected:x8}, computed {actual:x8}", bodyEnd);
        }

        uint count = BinaryPrimitives.ReadUInt32LittleEndian(span.Slice(1));
        ReadOnlyMemory<byte> body = frame.Slice(0, bodyEnd);
        int pos = 5;
        int added = output.Count;
        try
        {
            for (uint i = 0; i < count; i++)
            {
                ulong group = Varint.Read(body.Span, ref pos);
                ulong length = Varint.Read(body.Span, ref pos);
                if (length > (ulong)(bodyEnd - pos))
                {
                    throw new CorruptMessageException($"message length {length} runs past the frame", pos);
                }

                int end = pos + (int)length;
                Message m = MessageCodec.Decode(body.Slice(0, end), ref pos);
                if (pos != end)
                {
                    throw new CorruptMessageException($"message ends at {pos}, length said {end}", pos);
                }

                output.Add((group, m));
            }

            if (pos != bodyEnd)
            {
                throw new CorruptMessageException($"{bodyEnd - pos} trailing bytes after {count} messages", pos);
            }
        }
        catch (FormatException e)
        {
            output.RemoveRange(added, output.Count - added);
            throw new CorruptMessageException(e.Message, pos);
        }
        catch (CorruptMessageException)
        {
            output.RemoveRange(added, output.Count - added);
            throw;
        }
    }
}
