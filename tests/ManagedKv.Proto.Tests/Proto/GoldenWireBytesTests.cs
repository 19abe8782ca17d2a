// Messages encoded by hand from the facts (tag = number << 3 | wire type; varint 0, length-
// delimited 2) compared byte for byte with what the generated code writes, and parsed back.
// The generated writer emits fields in number order, which these byte strings follow.
using Google.Protobuf;

namespace ManagedKv.Proto.Tests.Proto;

public sealed class GoldenWireBytesTests
{
    /// <summary>Context{region_id 300, region_epoch{1,3}, peer{4,5}}: 15 bytes.</summary>
    internal static readonly byte[] ContextBytes =
    [
        0x08, 0xAC, 0x02,                   // 1 region_id varint 300
        0x12, 0x04, 0x08, 0x01, 0x10, 0x03, // 2 region_epoch {1 conf_ver 1, 2 version 3}
        0x1A, 0x04, 0x08, 0x04, 0x10, 0x05, // 3 peer {1 id 4, 2 store_id 5}
    ];

    internal static Kvrpcpb.Context Context() => new()
    {
        RegionId = 300,
        RegionEpoch = new Metapb.RegionEpoch { ConfVer = 1, Version = 3 },
        Peer = new Metapb.Peer { Id = 4, StoreId = 5 },
    };

    internal static byte[] RawPutBytes() =>
    [
        0x0A, 0x0F, .. ContextBytes,   // 1 context, 15 bytes
        0x12, 0x01, (byte)'k',         // 2 key
        0x1A, 0x01, (byte)'v',         // 3 value
        0x22, 0x07, .. "default"u8,    // 4 cf
        0x28, 0x3C,                    // 5 ttl 60
    ];

    internal static Kvrpcpb.RawPutRequest RawPut() => new()
    {
        Context = Context(),
        Key = ByteString.CopyFromUtf8("k"),
        Value = ByteString.CopyFromUtf8("v"),
        Cf = "default",
        Ttl = 60,
    };

    [Fact]
    public void RawPutRequestWithContext()
        => AssertGolden(RawPut(), RawPutBytes(), Kvrpcpb.RawPutRequest.Parser);

    [Fact]
    public void PrewriteRequestWithMutations()
    {
        var request = new Kvrpcpb.PrewriteRequest
        {
            Context = new Kvrpcpb.Context { RegionId = 1 },
            PrimaryLock = ByteString.CopyFromUtf8("a"),
            StartVersion = 400,
            LockTtl = 3000,
            UseAsyncCommit = true,
        };
        request.Mutations.Add(new Kvrpcpb.Mutation { Op = Kvrpcpb.Op.Put, Key = ByteString.CopyFromUtf8("a"), Value = ByteString.CopyFromUtf8("1") });
        request.Mutations.Add(new Kvrpcpb.Mutation { Op = Kvrpcpb.Op.Del, Key = ByteString.CopyFromUtf8("b") });
        request.PessimisticActions.Add(Kvrpcpb.PrewriteRequest.Types.PessimisticAction.DoPessimisticCheck);
        request.Secondaries.Add(ByteString.CopyFromUtf8("b"));
        request.TxnFileChunks.Add(7);

        byte[] expected =
        [
            0x0A, 0x02, 0x08, 0x01,                         // 1 context {1 region_id 1}
            0x12, 0x06, 0x12, 0x01, (byte)'a', 0x1A, 0x01, (byte)'1', // 2 mutation {op Put = 0 omitted, key a, value 1}
            0x12, 0x05, 0x08, 0x01, 0x12, 0x01, (byte)'b',  // 2 mutation {1 op Del, 2 key b}
            0x1A, 0x01, (byte)'a',                          // 3 primary_lock
            0x20, 0x90, 0x03,                               // 4 start_version 400
            0x28, 0xB8, 0x17,                               // 5 lock_ttl 3000
            0x3A, 0x01, 0x01,                               // 7 pessimistic_actions, packed [DO_PESSIMISTIC_CHECK]
            0x58, 0x01,                                     // 11 use_async_commit true
            0x62, 0x01, (byte)'b',                          // 12 secondaries [b]
            0xA2, 0x06, 0x01, 0x07,                         // 100 txn_file_chunks, packed [7]: tag 802 = 0xA2 0x06
        ];
        AssertGolden(request, expected, Kvrpcpb.PrewriteRequest.Parser);
    }

    [Fact]
    public void TsoResponseWithTimestamp()
    {
        var response = new Pdpb.TsoResponse
        {
            Header = new Pdpb.ResponseHeader { ClusterId = 7 },
            Count = 3,
            Timestamp = new Pdpb.Timestamp { Physical = 1_700_000_000_000, Logical = 5 },
        };
        byte[] expected =
        [
            0x0A, 0x02, 0x08, 0x07,   // 1 header {1 cluster_id 7}
            0x10, 0x03,               // 2 count 3
            0x1A, 0x09,               // 3 timestamp, 9 bytes
            0x08, 0x80, 0xD0, 0x95, 0xFF, 0xBC, 0x31, // 1 physical 1 700 000 000 000 (varint)
            0x10, 0x05,               // 2 logical 5
        ];
        AssertGolden(response, expected, Pdpb.TsoResponse.Parser);
    }

    [Fact]
    public void RegionErrorNotLeaderWithLeader()
    {
        var error = new Errorpb.Error
        {
            Message = "not leader",
            NotLeader = new Errorpb.NotLeader { RegionId = 9, Leader = new Metapb.Peer { Id = 10, StoreId = 11 } },
        };
        byte[] expected =
        [
            0x0A, 0x0A, .. "not leader"u8,     // 1 message
            0x12, 0x08,                        // 2 not_leader, 8 bytes
            0x08, 0x09,                        //   1 region_id 9
            0x12, 0x04, 0x08, 0x0A, 0x10, 0x0B, //   2 leader {1 id 10, 2 store_id 11}
        ];
        AssertGolden(error, expected, Errorpb.Error.Parser);
    }

    [Fact]
    public void BatchCommandsRequestWithRawGetAndEmpty()
    {
        var request = new Tikvpb.BatchCommandsRequest();
        request.Requests.Add(new Tikvpb.BatchCommandsRequest.Types.Request
        {
            RawGet = new Kvrpcpb.RawGetRequest { Key = ByteString.CopyFromUtf8("k") },
        });
        request.Requests.Add(new Tikvpb.BatchCommandsRequest.Types.Request
        {
            Empty = new Tikvpb.BatchCommandsEmptyRequest { TestId = 1 },
        });
        request.RequestIds.Add(42);
        request.RequestIds.Add(43);
        byte[] expected =
        [
            0x0A, 0x05, 0x6A, 0x03, 0x12, 0x01, (byte)'k', // 1 request {13 RawGet {2 key k}}: tag 13<<3|2 = 0x6A
            0x0A, 0x05, 0xFA, 0x0F, 0x02, 0x08, 0x01,      // 1 request {255 Empty {1 test_id 1}}: tag 2042 = 0xFA 0x0F
            0x12, 0x02, 0x2A, 0x2B,                        // 2 request_ids, packed [42, 43]
        ];
        AssertGolden(request, expected, Tikvpb.BatchCommandsRequest.Parser);
    }

    [Fact]
    public void GetMembersResponseWithLeaderAndMap()
    {
        var response = new Pdpb.GetMembersResponse
        {
            Header = new Pdpb.ResponseHeader { ClusterId = 7 },
            Leader = new Pdpb.Member { Name = "pd1", MemberId = 2, ClientUrls = { "u" } },
        };
        response.TsoAllocatorLeaders.Add("global", new Pdpb.Member { Name = "pd1" });
        byte[] expected =
        [
            0x0A, 0x02, 0x08, 0x07,                       // 1 header {1 cluster_id 7}
            0x1A, 0x0A,                                   // 3 leader, 10 bytes
            0x0A, 0x03, .. "pd1"u8,                       //   1 name
            0x10, 0x02,                                   //   2 member_id 2
            0x22, 0x01, (byte)'u',                        //   4 client_urls [u]
            0x2A, 0x0F,                                   // 5 map entry, 15 bytes
            0x0A, 0x06, .. "global"u8,                    //   1 key
            0x12, 0x05, 0x0A, 0x03, .. "pd1"u8,           //   2 value Member {1 name pd1}
        ];
        AssertGolden(response, expected, Pdpb.GetMembersResponse.Parser);
    }

    [Fact]
    public void DefaultMessagesAreEmptyOnTheWire()
    {
        // proto3: zero values are absent, so a default request is zero bytes long.
        Assert.Empty(new Kvrpcpb.RawGetRequest().ToByteArray());
        Assert.Empty(new Kvrpcpb.Context().ToByteArray());
        Assert.Empty(new Errorpb.Error().ToByteArray());
        // A set sub-message is present even when empty: StaleCommand is signalled by its tag alone.
        Assert.Equal([0x3A, 0x00], new Errorpb.Error { StaleCommand = new Errorpb.StaleCommand() }.ToByteArray());
    }

    private static void AssertGolden<T>(T message, byte[] expected, MessageParser<T> parser)
        where T : IMessage<T>
    {
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(message.ToByteArray()));
        Assert.Equal(message, parser.ParseFrom(expected));
    }
}
