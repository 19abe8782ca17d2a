using System.Buffers;
using System.Buffers.Binary;

namespace ManagedKv.Raft;

/// <summary>
/// Packs the messages of many Raft groups bound for one peer into a single checksummed frame (FORMAT.md,
/// "Batch"), so a node sends one frame per peer per round instead of one per message. Reusable: call
/// <see cref="Reset"/> after sending <see cref="WrittenMemory"/>; the buffer is kept, so steady state allocates
/// nothing. Not thread-safe.
/// </summary>
public sealed class MessageBatchWriter
{
    // version(1) count(4, patched) [groupId varint, length varint, message]* crc32c(4)
    private const int HeaderBytes = 5;
    private readonly ArrayBufferWriter<byte> _buffer;
    private int _count;
    private bool _finished;

    /// <summary>Creates a writer with an initial buffer of <paramref name="initialCapacity"/> bytes.</summary>
    public MessageBatchWriter(int initialCapacity = 4096)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
        Reset();
    }

    /// <summary>Messages added since the last reset.</summary>
    public int Count => _count;

    /// <summary>Adds a message of group <paramref name="groupId"/>.</summary>
    public void Add(ulong groupId, Message message)
    {
        if (_finished)
        {
            throw new InvalidOperationException("the batch was finished; call Reset first");
        }

        int length = MessageCodec.GetEncodedLength(message);
        Span<byte> span = _buffer.GetSpan(Varint.MaxLength * 2 + length);
        int pos = Varint.Write(span, groupId);
        pos += Varint.Write(span.Slice(pos), (ulong)length);
        pos += MessageCodec.Encode(message, span.Slice(pos));
        _buffer.Advance(pos);
        _count++;
    }

    /// <summary>Seals the frame (count and checksum) and returns it. Valid until <see cref="Reset"/>.</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            if (!_finished)
            {
                Span<byte> header = MemoryMarshalHelper.AsWritable(_buffer.WrittenMemory).Span;
                BinaryPrimitives.WriteUInt32LittleEndian(header.Slice(1), (uint)_count);
                uint crc = Crc32C.Compute(_buffer.WrittenSpan);
                BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(MessageCodecFormat.CrcBytes), crc);
                _buffer.Advance(MessageCodecFormat.CrcBytes);
                _finished = true;
            }

            return _buffer.WrittenMemory;
        }
    }

    /// <summary>Starts a new, empty batch, keeping the buffer.</summary>
    public void Reset()
    {
        _buffer.ResetWrittenCount();
        Span<byte> header = _buffer.GetSpan(HeaderBytes);
        header[0] = MessageCodecFormat.BatchVersion;
        header.Slice(1, 4).Clear();
        _buffer.Advance(HeaderBytes);
        _count = 0;
        _finished = false;
    }
}
