// One real HTTP/2 round trip in process: the generated Tikv client against a Kestrel server
// hosting a generated service base; methods the server does not override answer UNIMPLEMENTED.
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Kvrpcpb;

namespace ManagedKv.Proto.Tests.Grpc;

public sealed class RoundTripTests
{
    private static Context RegionContext(ulong regionId) => new()
    {
        RegionId = regionId,
        RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = 1 },
        Peer = new Metapb.Peer { Id = 1, StoreId = 1 },
    };

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(10);

    [Fact]
    public async Task RawPutThenRawGetOverHttp2()
    {
        await using var server = await InProcessGrpcServer.StartAsync(new DictionaryTikvService());
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Tikvpb.Tikv.TikvClient(channel);
        var key = ByteString.CopyFromUtf8("key-1");
        var value = ByteString.CopyFrom(0x00, 0xFF, 0x10);

        var put = await client.RawPutAsync(
            new RawPutRequest { Context = RegionContext(1), Key = key, Value = value }, deadline: Deadline());
        Assert.Null(put.RegionError);
        Assert.Equal(string.Empty, put.Error);

        var got = await client.RawGetAsync(new RawGetRequest { Context = RegionContext(1), Key = key }, deadline: Deadline());
        Assert.Null(got.RegionError);
        Assert.False(got.NotFound);
        Assert.Equal(value, got.Value);

        var missing = await client.RawGetAsync(
            new RawGetRequest { Context = RegionContext(1), Key = ByteString.CopyFromUtf8("absent") }, deadline: Deadline());
        Assert.True(missing.NotFound);
        Assert.True(missing.Value.IsEmpty);

        // A region error travels in the response body with gRPC status OK.
        var wrongRegion = await client.RawGetAsync(new RawGetRequest { Context = RegionContext(2), Key = key }, deadline: Deadline());
        Assert.NotNull(wrongRegion.RegionError?.NotLeader);
        Assert.Equal(2UL, wrongRegion.RegionError.NotLeader.RegionId);
        Assert.Equal(new Metapb.Peer { Id = 1, StoreId = 1 }, wrongRegion.RegionError.NotLeader.Leader);
        Assert.True(wrongRegion.Value.IsEmpty);
    }

    [Fact]
    public async Task MethodsNotOverriddenAnswerUnimplemented()
    {
        await using var server = await InProcessGrpcServer.StartAsync(new DictionaryTikvService());
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Tikvpb.Tikv.TikvClient(channel);

        var unary = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.KvGetAsync(new GetRequest { Context = RegionContext(1), Key = ByteString.CopyFromUtf8("k"), Version = 1 }, deadline: Deadline()));
        Assert.Equal(StatusCode.Unimplemented, unary.StatusCode);

        using var batch = client.BatchCommands(deadline: Deadline());
        var stream = await Assert.ThrowsAsync<RpcException>(async () => await batch.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.Unimplemented, stream.StatusCode);

        // A service the server does not host at all (PD here) answers UNIMPLEMENTED too.
        var pd = new Pdpb.PD.PDClient(channel);
        var members = await Assert.ThrowsAsync<RpcException>(async () =>
            await pd.GetMembersAsync(new Pdpb.GetMembersRequest(), deadline: Deadline()));
        Assert.Equal(StatusCode.Unimplemented, members.StatusCode);
    }
}
