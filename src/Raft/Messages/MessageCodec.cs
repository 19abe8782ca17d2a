using System.Buffers;

namespace ManagedKv.Raft;

/// <summary>
/// The compact binary encoding of one <see cref="Message"/> (FORMAT.md, "Message"). Varints for every number,
/// flags for optional parts, entries and snapshot inline. Decoding from a <see cref="ReadOnlyMemory{T}"/> is
/// zero-copy: entry payloads are slices of the source buffer, which must outlive the decoded messages.
/// Stateless and thread-safe.
/// </summary>
public static class MessageCodec
{
    /// <summary>The exact number of bytes <see cref="Encode"/> writes for <paramref name="m"/>.</summary>
    public static int GetEncodedLength(Message m)
    {
        int n = 2 + Varint.Length(m.To) + Varint.Length(m.From) + Varint.Length(m.Term) + Varint.Length(m.LogTerm)
            + Varint.Length(m.Index) + Varint.Length(m.Commit) + Varint.Length(m.RejectHint);
        if (!m.Context.IsEmpty)
        {
            n += Varint.Length((ulong)m.Context.Length) + m.Context.Length;
        }

        if (m.Entries.Length > 0)
        {
            n += Varint.Length((ulong)m.Entries.Length);
            foreach (Entry e in m.Entries)
            {
                n += 1 + Varint.Length(e.Term) + Varint.Length(e.Index) + Varint.Length((ulong)e.Data.Length) + e.Data.Length
                    + Varint.Length((ulong)e.Context.Length) + e.Context.Length;
            }
        }

        if (m.Snapshot is Snapshot s)
        {
            ConfState cs = s.ConfState;
            n += Varint.Length(s.Index) + Varint.Length(s.Term) + IdsLength(cs.Voters) + IdsLength(cs.Learners)
                + IdsLength(cs.VotersOutgoing) + IdsLength(cs.LearnersNext) + 1 + Varint.Length((ulong)s.Data.Length) + s.Data.Length;
        }

        return n;
    }

    /// <summary>Writes <paramref name="m"/> into <paramref name="destination"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too small.</exception>
    public static int Encode(Message m, Span<byte> destination)
    {
        // type(1) flags(1) to from term logTerm index commit rejectHint [context] [entries] [snapshot]
        int need = GetEncodedLength(m);
        if (destination.Length < need)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, message needs {need}");
        }

        byte flags = 0;
        flags |= m.Reject ? MessageCodecFormat.FlagReject : (byte)0;
        flags |= m.Snapshot is not null ? MessageCodecFormat.FlagSnapshot : (byte)0;
        flags |= !m.Context.IsEmpty ? MessageCodecFormat.FlagContext : (byte)0;
        flags |= m.Entries.Length > 0 ? MessageCodecFormat.FlagEntries : (byte)0;
        int pos = 0;
        destination[pos++] = (byte)m.Type;
        destination[pos++] = flags;
        pos += Varint.Write(destination.Slice(pos), m.To);
        pos += Varint.Write(destination.Slice(pos), m.From);
        pos += Varint.Write(destination.Slice(pos), m.Term);
        pos += Varint.Write(destination.Slice(pos), m.LogTerm);
        pos += Varint.Write(destination.Slice(pos), m.Index);
        pos += Varint.Write(destination.Slice(pos), m.Commit);
        pos += Varint.Write(destination.Slice(pos), m.RejectHint);
        if (!m.Context.IsEmpty)
        {
            pos += WriteBytes(destination.Slice(pos), m.Context.Span);
        }

        if (m.Entries.Length > 0)
        {
            pos += Varint.Write(destination.Slice(pos), (ulong)m.Entries.Length);
            foreach (Entry e in m.Entries)
            {
                destination[pos++] = (byte)e.Type;
                pos += Varint.Write(destination.Slice(pos), e.Term);
                pos += Varint.Write(destination.Slice(pos), e.Index);
                pos += WriteBytes(destination.Slice(pos), e.Data.Span);
                pos += WriteBytes(destination.Slice(pos), e.Context.Span);
            }
        }

        if (m.Snapshot is Snapshot s)
        {
            pos += Varint.Write(destination.Slice(pos), s.Index);
            pos += Varint.Write(destination.Slice(pos), s.Term);
            pos += WriteIds(destination.Slice(pos), s.ConfState.Voters);
            pos += WriteIds(destination.Slice(pos), s.ConfState.Learners);
            pos += WriteIds(destination.Slice(pos), s.ConfState.VotersOutgoing);
            pos += WriteIds(destination.Slice(pos), s.ConfState.LearnersNext);
            destination[pos++] = s.ConfState.AutoLeave ? (byte)1 : (byte)0;
            pos += WriteBytes(destination.Slice(pos), s.Data.Span);
        }

        return pos;
    }

    /// <summary>Appends the encoding of <paramref name="m"/> to <paramref name="writer"/>.</summary>
    public static void Encode(Message m, IBufferWriter<byte> writer)
    {
        int length = GetEncodedLength(m);
        int written = Encode(m, writer.GetSpan(length));
        writer.Advance(written);
    }

    /// <summary>Decodes one message starting at <paramref name="pos"/> and advances it.</summary>
    /// <exception cref="CorruptMessageException">The bytes are malformed.</exception>
    public static Message Decode(ReadOnlyMemory<byte> source, ref int pos)
    {
        ReadOnlySpan<byte> span = source.Span;
        int start = pos;
        try
        {
            byte type = span[pos++];
            if (type > MessageCodecFormat.MaxMessageType)
            {
                throw new CorruptMessageException($"unknown message type {type}", start);
            }

            byte flags = span[pos++];
            var m = new Message
            {
                Type = (MessageType)type,
                Reject = (flags & MessageCodecFormat.FlagReject) != 0,
                To = Varint.Read(span, ref pos),
                From = Varint.Read(span, ref pos),
                Term = Varint.Read(span, ref pos),
                LogTerm = Varint.Read(span, ref pos),
                Index = Varint.Read(span, ref pos),
                Commit = Varint.Read(span, ref pos),
                RejectHint = Varint.Read(span, ref pos),
            };
            if ((flags & MessageCodecFormat.FlagContext) != 0)
            {
                m.Context = ReadBytes(source, ref pos);
            }

            if ((flags & MessageCodecFormat.FlagEntries) != 0)
            {
                ulong count = Varint.Read(span, ref pos);

                // Each entry takes at least 5 bytes: a bound that stops absurd counts before allocating.
                if (count > (ulong)(span.Length - pos) / 5 + 1)
                {
                    throw new CorruptMessageException($"entry count {count} exceeds the message", start);
                }

                var entries = new Entry[count];
                for (int i = 0; i < entries.Length; i++)
                {
                    byte et = span[pos++];
                    if (et != (byte)EntryType.EntryNormal && et != (byte)EntryType.EntryConfChangeV2)
                    {
                        throw new CorruptMessageException($"unknown entry type {et}", pos - 1);
                    }

                    ulong term = Varint.Read(span, ref pos);
                    ulong index = Varint.Read(span, ref pos);
                    ReadOnlyMemory<byte> data = ReadBytes(source, ref pos);
                    ReadOnlyMemory<byte> context = ReadBytes(source, ref pos);
                    entries[i] = new Entry(term, index, (EntryType)et, data, context);
                }

                m.Entries = entries;
            }

            if ((flags & MessageCodecFormat.FlagSnapshot) != 0)
            {
                ulong index = Varint.Read(span, ref pos);
                ulong term = Varint.Read(span, ref pos);
                ulong[] voters = ReadIds(span, ref pos);
                ulong[] learners = ReadIds(span, ref pos);
                ulong[] outgoing = ReadIds(span, ref pos);
                ulong[] learnersNext = ReadIds(span, ref pos);
                bool autoLeave = span[pos++] != 0;
                ReadOnlyMemory<byte> data = ReadBytes(source, ref pos);
                m.Snapshot = new Snapshot(index, term, new ConfState(voters, learners, outgoing, learnersNext, autoLeave), data);
            }

            return m;
        }
        catch (FormatException e)
        {
            throw new CorruptMessageException(e.Message, start);
        }
        catch (IndexOutOfRangeException)
        {
            throw new CorruptMessageException("truncated message", start);
        }
    }

    private static int WriteBytes(Span<byte> destination, ReadOnlySpan<byte> bytes)
    {
        int n = Varint.Write(destination, (ulong)bytes.Length);
        bytes.CopyTo(destination.Slice(n));
        return n + bytes.Length;
    }

    private static ReadOnlyMemory<byte> ReadBytes(ReadOnlyMemory<byte> source, ref int pos)
    {
        ulong length = Varint.Read(source.Span, ref pos);
        if (length > (ulong)(source.Length - pos))
        {
            throw new FormatException($"length {length} runs past the end");
        }

        ReadOnlyMemory<byte> bytes = source.Slice(pos, (int)length);
        pos += (int)length;
        return bytes;
    }

    private static int IdsLength(ulong[] ids)
    {
        int n = Varint.Length((ulong)ids.Length);
        foreach (ulong id in ids)
        {
            n += Varint.Length(id);
        }

        return n;
    }

    private static int WriteIds(Span<byte> destination, ulong[] ids)
    {
        int pos = Varint.Write(destination, (ulong)ids.Length);
        foreach (ulong id in ids)
        {
            pos += Varint.Write(destination.Slice(pos), id);
        }

        return pos;
    }

    private static ulong[] ReadIds(ReadOnlySpan<byte> span, ref int pos)
    {
        ulong count = Varint.Read(span, ref pos);
        if (count > (ulong)(span.Length - pos))
        {
            throw new FormatException($"id count {count} runs past the end");
        }

        var ids = new ulong[count];
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = Varint.Read(span, ref pos);
        }

        return ids;
    }
}
