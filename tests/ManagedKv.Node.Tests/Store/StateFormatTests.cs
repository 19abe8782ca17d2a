using ManagedKv.Node.Store;
using ManagedKv.Raft;
using Metapb;

namespace ManagedKv.Node.Tests.Store;

/// <summary>Golden bytes of every persisted per-region record (src/Node/FORMAT.md, version 1).</summary>
public sealed class StateFormatTests
{
    [Fact]
    public void GoldenRaftLocalStateVersion1()
    {
        var state = new RaftLocalState(new HardState(5, 3, 300), 301);
        byte[] buf = new byte[64];
        int n = StateCodec.EncodeRaftLocalState(state, buf);
        Assert.Equal(Convert.FromHexString("010503AC02AD02"), buf[..n]);
        Assert.Equal(state, StateCodec.DecodeRaftLocalState(1, buf.AsSpan(0, n)));
    }

    [Fact]
    public void GoldenRaftApplyStateVersion1()
    {
        var state = new RaftApplyState(300, 301, 6, 200, 5);
        byte[] buf = new byte[64];
        int n = StateCodec.EncodeRaftApplyState(state, buf);
        Assert.Equal(Convert.FromHexString("01AC02AD0206C80105"), buf[..n]);
        Assert.Equal(state, StateCodec.DecodeRaftApplyState(1, buf.AsSpan(0, n)));
    }

    [Fact]
    public void GoldenRegionLocalStateVersion1()
    {
        var region = new Region
        {
            Id = 1,
            StartKey = Google.Protobuf.ByteString.CopyFromUtf8("a"),
            EndKey = Google.Protobuf.ByteString.CopyFromUtf8("b"),
            RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 2 },
        };
        region.Peers.Add(new Metapb.Peer { Id = 2, StoreId = 3 });
        region.Peers.Add(new Metapb.Peer { Id = 4, StoreId = 5, Role = PeerRole.Learner });
        byte[] bytes = StateCodec.EncodeRegionLocalState(new RegionLocalState(PeerState.Normal, region));
        Assert.Equal(Convert.FromHexString("0100" + "0801" + "120161" + "1A0162" + "220408011002" + "2A0408021003" + "2A06080410051801"), bytes);
        RegionLocalState back = StateCodec.DecodeRegionLocalState(1, bytes);
        Assert.Equal(PeerState.Normal, back.State);
        Assert.Equal(region, back.Region);

        bytes[1] = (byte)PeerState.Tombstone;
        Assert.Equal(PeerState.Tombstone, StateCodec.DecodeRegionLocalState(1, bytes).State);
    }

    [Fact]
    public void GoldenKeysVersion1()
    {
        byte[] key = new byte[11];
        StoreKeys.ApplyStateKey(0x0102030405060708, key);
        Assert.Equal(Convert.FromHexString("0102010203040506070803"), key);
        StoreKeys.RegionStateKey(0x0102030405060708, key);
        Assert.Equal(Convert.FromHexString("0103010203040506070801"), key);
        Assert.True(StoreKeys.TryParseRegionStateKey(key, out ulong id));
        Assert.Equal(0x0102030405060708UL, id);
    }

    [Fact]
    public void GoldenEntryVersion1()
    {
        var normal = new Entry(300, 9, EntryType.EntryNormal, "ab"u8.ToArray());
        byte[] buf = new byte[64];
        int n = RaftEntryCodec.Encode(normal, buf);
        Assert.Equal(RaftEntryCodec.GetEncodedLength(normal), n);
        Assert.Equal(Convert.FromHexString("10AC02006162"), buf[..n]);
        Assert.Equal(normal, RaftEntryCodec.Decode(1, 9, buf[..n]));
        Assert.Equal(300UL, RaftEntryCodec.DecodeTerm(1, 9, buf.AsSpan(0, n)));

        var cc = new Entry(7, 10, EntryType.EntryConfChangeV2, new byte[] { 0xEE }, "x"u8.ToArray());
        n = RaftEntryCodec.Encode(cc, buf);
        Assert.Equal(Convert.FromHexString("12070178EE"), buf[..n]);
        Assert.Equal(cc, RaftEntryCodec.Decode(1, 10, buf[..n]));

        var empty = new Entry(1, 11, EntryType.EntryNormal, default);
        n = RaftEntryCodec.Encode(empty, buf);
        Assert.Equal(Convert.FromHexString("100100"), buf[..n]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("02050304")]        // unknown version
    [InlineData("010503")]          // truncated: 3 of 4 varints
    [InlineData("010503040780")]    // truncated varint
    [InlineData("0105030407FF")]    // trailing byte after a complete state
    public void MalformedRaftLocalStateIsCorruption(string hex)
    {
        var e = Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRaftLocalState(42, Convert.FromHexString(hex)));
        Assert.Equal(42UL, e.RegionId);
        Assert.Equal("RaftLocalState", e.Record);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2001")]        // unknown version
    [InlineData("13010000")]    // unknown entry type 3
    [InlineData("1080")]        // truncated term
    [InlineData("100105")]      // context longer than the value
    public void MalformedEntryIsCorruption(string hex)
    {
        var e = Assert.Throws<StoreCorruptionException>(() => RaftEntryCodec.Decode(42, 7, Convert.FromHexString(hex)));
        Assert.Equal("entry 7", e.Record);
    }

    [Fact]
    public void MalformedRegionLocalStateIsCorruption()
    {
        Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRegionLocalState(1, [1]));
        Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRegionLocalState(1, [2, 0]));
        Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRegionLocalState(1, [1, 9]));
        Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRegionLocalState(1, [1, 0, 0x08, 0x80]));
        Assert.Throws<StoreCorruptionException>(() => StateCodec.DecodeRegionLocalState(1, [1, 0, 0x08, 0x02])); // region 2's meta
    }

    [Fact]
    public void ConfStateFromRegionFollowsPeerRoles()
    {
        var region = new Region { Id = 1 };
        region.Peers.Add(new Metapb.Peer { Id = 1, Role = PeerRole.Voter });
        region.Peers.Add(new Metapb.Peer { Id = 2, Role = PeerRole.Learner });
        Assert.Equal(new ConfState([1], [2], [], [], false), PeerStorage.ConfStateFromRegion(region));
        region.Peers.Add(new Metapb.Peer { Id = 3, Role = PeerRole.IncomingVoter });
        region.Peers.Add(new Metapb.Peer { Id = 4, Role = PeerRole.DemotingVoter });
        Assert.Equal(new ConfState([1, 3], [2], [1, 4], [4], false), PeerStorage.ConfStateFromRegion(region));
    }
}
