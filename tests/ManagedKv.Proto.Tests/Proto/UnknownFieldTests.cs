// Clients send fields our subset dropped (trace context, exec details, newer commands): they
// must parse, keep every known field, and survive re-serialization unchanged.
using Google.Protobuf;

namespace ManagedKv.Proto.Tests.Proto;

public sealed class UnknownFieldTests
{
    [Fact]
    public void UnknownFieldsAreSkippedAndKnownFieldsSurvive()
    {
        byte[] context =
        [
            .. GoldenWireBytesTests.ContextBytes,
            0xBA, 0x01, 0x02, 0x08, 0x01, // 23 trace_context (dropped), length-delimited: tag 186 = 0xBA 0x01
            0xB2, 0x02, 0x01, 0x2A,       // 38 keyspace_identity (dropped), length-delimited: tag 306 = 0xB2 0x02
        ];
        byte[] bytes =
        [
            0x0A, (byte)context.Length, .. context,
            0x12, 0x01, (byte)'k',
            0x1A, 0x01, (byte)'v',
            0x22, 0x07, .. "default"u8,
            0x28, 0x3C,
            0x98, 0x06, 0x01,             // 99 unknown varint: tag 792 = 0x98 0x06
            0xA1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8, // 100 unknown fixed64 (wire type 1)
        ];

        var parsed = Kvrpcpb.RawPutRequest.Parser.ParseFrom(bytes);

        var expected = GoldenWireBytesTests.RawPut();
        Assert.Equal(expected.Context.RegionId, parsed.Context.RegionId);
        Assert.Equal(expected.Context.RegionEpoch, parsed.Context.RegionEpoch);
        Assert.Equal(expected.Context.Peer, parsed.Context.Peer);
        Assert.Equal(Kvrpcpb.Context.KeyspaceOneofCase.None, parsed.Context.KeyspaceCase);
        Assert.Equal(expected.Key, parsed.Key);
        Assert.Equal(expected.Value, parsed.Value);
        Assert.Equal(expected.Cf, parsed.Cf);
        Assert.Equal(expected.Ttl, parsed.Ttl);
        // Unknown fields are kept and written back after the known ones: a proxy-like path loses nothing.
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(parsed.ToByteArray()));
    }

    [Fact]
    public void BatchCommandOutsideTheSubsetParsesWithNoCommand()
    {
        byte[] bytes =
        [
            0x0A, 0x05, 0xB2, 0x01, 0x02, 0x08, 0x01, // 1 request {22 Coprocessor (dropped) {1: 1}}: tag 178 = 0xB2 0x01
            0x0A, 0x05, 0x6A, 0x03, 0x12, 0x01, (byte)'k', // 1 request {13 RawGet {2 key k}}
            0x12, 0x02, 0x05, 0x06,             // 2 request_ids [5, 6]
        ];

        var parsed = Tikvpb.BatchCommandsRequest.Parser.ParseFrom(bytes);

        Assert.Equal(2, parsed.Requests.Count);
        Assert.Equal(Tikvpb.BatchCommandsRequest.Types.Request.CmdOneofCase.None, parsed.Requests[0].CmdCase);
        Assert.Equal(Tikvpb.BatchCommandsRequest.Types.Request.CmdOneofCase.RawGet, parsed.Requests[1].CmdCase);
        Assert.Equal(ByteString.CopyFromUtf8("k"), parsed.Requests[1].RawGet.Key);
        Assert.Equal([5UL, 6UL], parsed.RequestIds);
    }

    [Fact]
    public void EnumValueNewerThanTheSubsetIsKept()
    {
        // proto3 enums are open: an Op value we do not name (9) parses and is written back as is.
        byte[] bytes = [0x08, 0x09, 0x12, 0x01, (byte)'a'];

        var parsed = Kvrpcpb.Mutation.Parser.ParseFrom(bytes);

        Assert.Equal(9, (int)parsed.Op);
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(parsed.ToByteArray()));
    }

    [Fact]
    public void DroppedResponseFieldsFromANewerServerAreSkipped()
    {
        // A GetResponse from a real TiKV carries exec_details_v2 (6) which we dropped.
        byte[] bytes =
        [
            0x1A, 0x01, (byte)'v',       // 3 value
            0x32, 0x02, 0x0A, 0x00,      // 6 exec_details_v2 {1 time_detail {}}
            0x38, 0x0B,                  // 7 commit_ts 11
        ];

        var parsed = Kvrpcpb.GetResponse.Parser.ParseFrom(bytes);

        Assert.Equal(ByteString.CopyFromUtf8("v"), parsed.Value);
        Assert.Equal(11UL, parsed.CommitTs);
        Assert.False(parsed.NotFound);
    }
}
