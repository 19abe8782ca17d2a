using Google.Protobuf;
using ManagedKv.Lsm.Util;
using ManagedKv.Raft;
using Metapb;

namespace ManagedKv.Node.Store;

/// <summary>
/// Encodes and decodes the per-region state values (src/Node/FORMAT.md, "RaftLocalState", "RaftApplyState",
/// "RegionLocalState"): a version byte, then LEB128 varints (or the region's protobuf). Decoders refuse an unknown
/// version, a truncated or over-long varint and trailing bytes with <see cref="StoreCorruptionException"/>.
/// Stateless and thread-safe.
/// </summary>
public static class StateCodec
{
    // Grammar: version(1) term vote commit last_index (varints). FORMAT.md "RaftLocalState".
    /// <summary>Encodes <paramref name="state"/> into <paramref name="destination"/> (at least 41 bytes); returns the length.</summary>
    public static int EncodeRaftLocalState(in RaftLocalState state, Span<byte> destination)
    {
        destination[0] = StateFormat.Version;
        int n = 1;
        n += Coding.WriteVarint64(destination[n..], state.HardState.Term);
        n += Coding.WriteVarint64(destination[n..], state.HardState.Vote);
        n += Coding.WriteVarint64(destination[n..], state.HardState.Commit);
        n += Coding.WriteVarint64(destination[n..], state.LastIndex);
        return n;
    }

    /// <summary>Decodes a <see cref="RaftLocalState"/> of <paramref name="regionId"/>.</summary>
    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static RaftLocalState DecodeRaftLocalState(ulong regionId, ReadOnlySpan<byte> value)
    {
        var reader = new Reader(regionId, "RaftLocalState", value);
        ulong term = reader.Varint();
        ulong vote = reader.Varint();
        ulong commit = reader.Varint();
        ulong last = reader.Varint();
        reader.End();
        return new RaftLocalState(new HardState(term, vote, commit), last);
    }

    // Grammar: version(1) applied commit_index commit_term truncated_index truncated_term (varints).
    // FORMAT.md "RaftApplyState".
    /// <summary>Encodes <paramref name="state"/> into <paramref name="destination"/> (at least 51 bytes); returns the length.</summary>
    public static int EncodeRaftApplyState(in RaftApplyState state, Span<byte> destination)
    {
        destination[0] = StateFormat.Version;
        int n = 1;
        n += Coding.WriteVarint64(destination[n..], state.AppliedIndex);
        n += Coding.WriteVarint64(destination[n..], state.CommitIndex);
        n += Coding.WriteVarint64(destination[n..], state.CommitTerm);
        n += Coding.WriteVarint64(destination[n..], state.TruncatedIndex);
        n += Coding.WriteVarint64(destination[n..], state.TruncatedTerm);
        return n;
    }

    /// <summary>Decodes a <see cref="RaftApplyState"/> of <paramref name="regionId"/>.</summary>
    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static RaftApplyState DecodeRaftApplyState(ulong regionId, ReadOnlySpan<byte> value)
    {
        var reader = new Reader(regionId, "RaftApplyState", value);
        ulong applied = reader.Varint();
        ulong commitIndex = reader.Varint();
        ulong commitTerm = reader.Varint();
        ulong truncatedIndex = reader.Varint();
        ulong truncatedTerm = reader.Varint();
        reader.End();
        return new RaftApplyState(applied, commitIndex, commitTerm, truncatedIndex, truncatedTerm);
    }

    // Grammar: version(1) state(1) metapb.Region protobuf (the rest). FORMAT.md "RegionLocalState".
    /// <summary>Encodes <paramref name="state"/> (allocates: region meta changes are rare).</summary>
    public static byte[] EncodeRegionLocalState(RegionLocalState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        int size = state.Region.CalculateSize();
        byte[] value = new byte[2 + size];
        value[0] = StateFormat.Version;
        value[1] = (byte)state.State;
        state.Region.WriteTo(value.AsSpan(2));
        return value;
    }

    /// <summary>Decodes a <see cref="RegionLocalState"/> of <paramref name="regionId"/>.</summary>
    /// <exception cref="StoreCorruptionException">The value is malformed.</exception>
    public static RegionLocalState DecodeRegionLocalState(ulong regionId, ReadOnlySpan<byte> value)
    {
        const string Record = "RegionLocalState";
        if (value.Length < 2)
        {
            throw new StoreCorruptionException(regionId, Record, value.Length, "shorter than its 2-byte header");
        }

        if (value[0] != StateFormat.Version)
        {
            throw new StoreCorruptionException(regionId, Record, 0, $"unknown format version {value[0]}");
        }

        if (value[1] > (byte)PeerState.Tombstone)
        {
            throw new StoreCorruptionException(regionId, Record, 1, $"unknown peer state {value[1]}");
        }

        Region region;
        try
        {
            region = Region.Parser.ParseFrom(value[2..]);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new StoreCorruptionException(regionId, Record, 2, "metapb.Region does not parse: " + e.Message);
        }

        if (region.Id != regionId)
        {
            throw new StoreCorruptionException(regionId, Record, 2, $"holds the meta of region {region.Id}");
        }

        return new RegionLocalState((PeerState)value[1], region);
    }

    /// <summary>A cursor over one state value that reports failures as <see cref="StoreCorruptionException"/>.</summary>
    private ref struct Reader
    {
        private readonly ulong _regionId;
        private readonly string _record;
        private readonly ReadOnlySpan<byte> _value;
        private int _pos;

        public Reader(ulong regionId, string record, ReadOnlySpan<byte> value)
        {
            _regionId = regionId;
            _record = record;
            _value = value;
            if (value.IsEmpty)
            {
                throw new StoreCorruptionException(regionId, record, 0, "empty value");
            }

            if (value[0] != StateFormat.Version)
            {
                throw new StoreCorruptionException(regionId, record, 0, $"unknown format version {value[0]}");
            }

            _pos = 1;
        }

        public ulong Varint()
        {
            int n = Coding.TryReadVarint64(_value[_pos..], out ulong v);
            if (n == 0)
            {
                throw new StoreCorruptionException(_regionId, _record, _pos, "truncated or over-long varint");
            }

            _pos += n;
            return v;
        }

        public readonly void End()
        {
            if (_pos != _value.Length)
            {
                throw new StoreCorruptionException(_regionId, _record, _pos, $"{_value.Length - _pos} trailing bytes");
            }
        }
    }
}
