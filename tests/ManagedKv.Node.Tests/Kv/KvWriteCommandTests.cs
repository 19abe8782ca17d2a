using ManagedKv.Node.Kv;
using ManagedKv.Node.Store;
using ManagedKv.Txn;

namespace ManagedKv.Node.Tests.Kv;

public sealed class KvWriteCommandTests
{
    private static readonly byte[] s_golden =
    [
        0x01, // version
        0x02, 0, 0, 0, 0, 0, 0, 0, // conf_ver 2
        0x03, 0, 0, 0, 0, 0, 0, 0, // version 3
        0x01, 0x00, 0x01, (byte)'k', 0x02, (byte)'v', (byte)'1', // Put default "k" = "v1"
        0x02, 0x01, 0x02, (byte)'a', (byte)'b', // Delete lock "ab"
        0x03, 0x03, 0x01, (byte)'a', 0x01, (byte)'c', // DeleteRange raw ["a", "c")
    ];

    private static KvWriteBatch Batch()
    {
        var batch = new KvWriteBatch();
        batch.Put(EngineCf.Default, "k"u8, "v1"u8);
        batch.Delete(EngineCf.Lock, "ab"u8);
        batch.DeleteRange(EngineCf.Raw, "a"u8, "c"u8);
        return batch;
    }

    [Fact]
    public void Encode_MatchesGoldenBytes_AndDecodesBack()
    {
        byte[] command = KvWriteCommand.Encode(Batch(), new Metapb.RegionEpoch { ConfVer = 2, Version = 3 });
        Assert.Equal(s_golden, command);
        Assert.Equal((2UL, 3UL), KvWriteCommand.DecodeEpoch(1, 7, command));
        var got = new List<(KvModifyOp, EngineCf, string, string)>();
        int offset = KvWriteCommand.HeaderLength;
        while (offset < command.Length)
        {
            KvModify m = KvWriteCommand.ReadModification(1, 7, command, ref offset);
            got.Add((m.Op, m.Cf, System.Text.Encoding.ASCII.GetString(m.Key), System.Text.Encoding.ASCII.GetString(m.Value)));
        }

        Assert.Equal(
            [(KvModifyOp.Put, EngineCf.Default, "k", "v1"), (KvModifyOp.Delete, EngineCf.Lock, "ab", ""), (KvModifyOp.DeleteRange, EngineCf.Raw, "a", "c")],
            got);
    }

    [Fact]
    public void MalformedCommands_AreRejected_WithRegionEntryAndOffset()
    {
        Assert.Throws<StoreCorruptionException>(() => KvWriteCommand.DecodeEpoch(1, 7, s_golden.AsSpan(0, 10)));
        byte[] badVersion = (byte[])s_golden.Clone();
        badVersion[0] = 9;
        Assert.Throws<StoreCorruptionException>(() => KvWriteCommand.DecodeEpoch(1, 7, badVersion));
        foreach ((int at, byte value) in new[] { (17, (byte)7), (18, (byte)9), (19, (byte)0x7F) })
        {
            byte[] bad = (byte[])s_golden.Clone();
            bad[at] = value;
            var e = Assert.Throws<StoreCorruptionException>(() =>
            {
                int offset = KvWriteCommand.HeaderLength;
                KvWriteCommand.ReadModification(1, 7, bad, ref offset);
            });
            Assert.Equal(1UL, e.RegionId);
        }

        var truncated = Assert.Throws<StoreCorruptionException>(() =>
        {
            int offset = KvWriteCommand.HeaderLength;
            KvWriteCommand.ReadModification(1, 7, s_golden.AsSpan(0, 22), ref offset);
        });
        Assert.Contains("entry 7", truncated.Message);
    }
}
