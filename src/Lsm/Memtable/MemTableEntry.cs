using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// The bytes of one memtable entry inside a skiplist node (in memory only, not an on-disk format):
/// <code>
///   varint32 internal_key_length | internal_key (user key ++ fixed64 trailer) | varint32 value_length | value
/// </code>
/// Stateless helpers; the entry must stay alive (its arena referenced) while a returned span is used.
/// </summary>
internal static unsafe class MemTableEntry
{
    /// <summary>The encoded size of an entry.</summary>
    public static int EncodedLength(int userKeyLength, int valueLength)
    {
        int internalKeyLength = userKeyLength + InternalKey.TrailerSize;
        return Coding.VarintLength((uint)internalKeyLength) + internalKeyLength + Coding.VarintLength((uint)valueLength) + valueLength;
    }

    /// <summary>Writes an entry into <paramref name="destination"/> (exactly <see cref="EncodedLength"/> bytes).</summary>
    public static void Encode(Span<byte> destination, ulong sequence, ValueType type, ReadOnlySpan<byte> userKey, ReadOnlySpan<byte> value)
    {
        int pos = Coding.WriteVarint32(destination, (uint)(userKey.Length + InternalKey.TrailerSize));
        pos += InternalKey.Write(destination[pos..], userKey, sequence, type);
        pos += Coding.WriteVarint32(destination[pos..], (uint)value.Length);
        value.CopyTo(destination[pos..]);
    }

    /// <summary>The internal key of the entry at <paramref name="entry"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> InternalKeyOf(byte* entry)
    {
        uint length = *entry;
        if (length < 0x80)
        {
            return new ReadOnlySpan<byte>(entry + 1, (int)length);
        }
        return InternalKeyOfSlow(entry);
    }

    /// <summary>The value of the entry at <paramref name="entry"/>.</summary>
    public static ReadOnlySpan<byte> ValueOf(byte* entry)
    {
        ReadOnlySpan<byte> key = InternalKeyOf(entry);
        fixed (byte* keyStart = key)
        {
            byte* p = keyStart + key.Length;
            int n = Coding.TryReadVarint32(new ReadOnlySpan<byte>(p, Coding.MaxVarint32Length), out uint length);
            return new ReadOnlySpan<byte>(p + n, (int)length);
        }
    }

    /// <summary>Compares the entry's internal key with (userKey, trailer) in internal-key order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CompareKey(byte* entry, ReadOnlySpan<byte> userKey, ulong trailer)
    {
        ReadOnlySpan<byte> key = InternalKeyOf(entry);
        if (key.Length >= InternalKey.TrailerSize + sizeof(ulong) && userKey.Length >= sizeof(ulong))
        {
            // Most keys differ in their first 8 bytes: one big-endian word compare decides without a call.
            ulong a = BinaryPrimitives.ReadUInt64BigEndian(key);
            ulong b = BinaryPrimitives.ReadUInt64BigEndian(userKey);
            if (a != b)
            {
                return a < b ? -1 : 1;
            }
        }
        int c = key[..^InternalKey.TrailerSize].SequenceCompareTo(userKey);
        if (c != 0)
        {
            return c;
        }
        ulong own = BinaryPrimitives.ReadUInt64LittleEndian(key[^InternalKey.TrailerSize..]);
        // Trailers sort descending: the newer entry comes first.
        return own > trailer ? -1 : own < trailer ? 1 : 0;
    }

    private static ReadOnlySpan<byte> InternalKeyOfSlow(byte* entry)
    {
        int n = Coding.TryReadVarint32(new ReadOnlySpan<byte>(entry, Coding.MaxVarint32Length), out uint length);
        return new ReadOnlySpan<byte>(entry + n, (int)length);
    }
}
