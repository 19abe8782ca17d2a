using ManagedKv.Node.Bootstrap;
using ManagedKv.Node.Store;
using Metapb;

namespace ManagedKv.Node.Tests.Pd;

// Golden bytes of src/Node/FORMAT.md "Store identity and bootstrap records" (version 1).
public sealed class BootstrapFormatTests
{
    [Fact]
    public void GoldenStoreIdentVersion1()
    {
        Assert.Equal(new byte[] { 0x01, 0x01 }, BootstrapFormat.StoreIdentKey.ToArray());
        Span<byte> buffer = stackalloc byte[BootstrapFormat.MaxStoreIdentLength];
        int n = BootstrapCodec.EncodeStoreIdent(new StoreIdent(300, 5), buffer);
        Assert.Equal(new byte[] { 0x01, 0xAC, 0x02, 0x05 }, buffer[..n].ToArray());
        Assert.Equal(new StoreIdent(300, 5), BootstrapCodec.DecodeStoreIdent([0x01, 0xAC, 0x02, 0x05]));
    }

    [Fact]
    public void GoldenPreparedRegionVersion1()
    {
        Assert.Equal(new byte[] { 0x01, 0x02 }, BootstrapFormat.PrepareBootstrapKey.ToArray());
        Region region = StoreBootstrapper.FirstRegion(storeId: 1, regionId: 2, peerId: 3);
        byte[] golden = [0x01, 0x08, 0x02, 0x22, 0x04, 0x08, 0x01, 0x10, 0x01, 0x2A, 0x04, 0x08, 0x03, 0x10, 0x01];
        Assert.Equal(golden, BootstrapCodec.EncodePreparedRegion(region));
        Assert.Equal(region, BootstrapCodec.DecodePreparedRegion(golden));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x02, 0xAC, 0x02, 0x05 })]       // unknown version
    [InlineData(new byte[] { 0x01, 0xAC, 0x02, 0x05, 0x00 })] // trailing byte
    [InlineData(new byte[] { 0x01, 0xAC, 0x82 })]             // truncated varint
    [InlineData(new byte[] { 0x01, 0x00, 0x05 })]             // cluster id 0
    public void MalformedStoreIdentIsCorruption(byte[] value) =>
        Assert.Throws<StoreCorruptionException>(() => BootstrapCodec.DecodeStoreIdent(value));

    [Theory]
    [InlineData(new byte[] { 0x02, 0x08, 0x02 })]             // unknown version
    [InlineData(new byte[] { 0x01, 0x08 })]                   // truncated protobuf
    [InlineData(new byte[] { 0x01, 0x08, 0x02 })]             // no peer: not a first region
    public void MalformedPreparedRegionIsCorruption(byte[] value) =>
        Assert.Throws<StoreCorruptionException>(() => BootstrapCodec.DecodePreparedRegion(value));
}
