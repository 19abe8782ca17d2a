// Pins the generated descriptors to the facts table (FieldTable): field numbers, names, labels,
// types, the reserved numbers kvproto skips, packages and C# namespaces.
using Google.Protobuf.Reflection;

namespace ManagedKv.Proto.Tests.Proto;

public sealed class DescriptorTests
{
    public static TheoryData<string> TableRows()
    {
        var rows = new TheoryData<string>();
        foreach (var row in FieldTable.Messages)
        {
            rows.Add(row);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(TableRows))]
    public void GeneratedMessageHasExactlyTheTabulatedFields(string row)
    {
        var separator = row.IndexOf(" =", StringComparison.Ordinal);
        Assert.True(separator > 0, $"bad table row: {row}");
        var messageName = row[..separator];
        var expected = ParseFields(row[(separator + 2)..]);

        var descriptor = ProtoFiles.FindMessage(messageName);
        var actual = descriptor.Fields.InFieldNumberOrder().Select(Describe).ToList();

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void RepeatedScalarsArePackedAsInProto3()
    {
        // kvproto's files are proto3, whose repeated numeric and enum fields are packed on the wire.
        var checkedFields = 0;
        foreach (var file in ProtoFiles.All)
        {
            Assert.Equal("proto3", file.ToProto().Syntax);
            foreach (var message in file.MessageTypes)
            {
                checkedFields += CheckPacked(message);
            }
        }
        Assert.True(checkedFields > 10, $"only {checkedFields} repeated scalar fields found");
    }

    [Fact]
    public void NumbersKvprotoSkipsStayReservedAndUnused()
    {
        foreach (var (messageName, number) in FieldTable.SkippedNumbers)
        {
            var descriptor = ProtoFiles.FindMessage(messageName);
            Assert.Null(descriptor.FindFieldByNumber(number));
            var reserved = descriptor.ToProto().ReservedRange;
            Assert.True(
                reserved.Any(r => r.Start <= number && number < r.End),
                $"{messageName} does not reserve field number {number}");
        }
    }

    [Fact]
    public void PackagesAndNamespacesFollowKvproto()
    {
        Assert.Equal(
            ["metapb", "errorpb", "kvrpcpb", "eraftpb", "raft_serverpb", "tikvpb", "pdpb"],
            ProtoFiles.All.Select(f => f.Package).ToArray());
        // protoc's default C# namespaces, derived from the package names (no csharp_namespace option).
        Assert.Equal("Metapb", typeof(Metapb.Region).Namespace);
        Assert.Equal("Errorpb", typeof(Errorpb.Error).Namespace);
        Assert.Equal("Kvrpcpb", typeof(Kvrpcpb.Context).Namespace);
        Assert.Equal("Eraftpb", typeof(Eraftpb.Message).Namespace);
        Assert.Equal("RaftServerpb", typeof(RaftServerpb.RaftMessage).Namespace);
        Assert.Equal("Tikvpb", typeof(Tikvpb.Tikv).Namespace);
        Assert.Equal("Pdpb", typeof(Pdpb.PD).Namespace);
        foreach (var file in ProtoFiles.All)
        {
            Assert.Equal(string.Empty, file.GetOptions()?.CsharpNamespace ?? string.Empty);
        }
    }

    [Fact]
    public void EnumNumbersFollowTheFacts()
    {
        Assert.Equal(5, (int)Kvrpcpb.Op.PessimisticLock);
        Assert.Equal(6, (int)Kvrpcpb.Op.CheckNotExists);
        Assert.Equal(8, (int)Kvrpcpb.Op.SharedPessimisticLock);
        Assert.Equal(2, (int)Kvrpcpb.IsolationLevel.RccheckTs);
        Assert.Equal(1, (int)Kvrpcpb.APIVersion.V1Ttl);
        Assert.Equal(3, (int)Kvrpcpb.APIVersion.V3);
        Assert.Equal(5, (int)Kvrpcpb.Action.LockNotExistDoNothing);
        Assert.Equal(6, (int)Kvrpcpb.WriteConflict.Types.Reason.NotLockedKeyConflict);
        Assert.Equal(2, (int)Kvrpcpb.PrewriteRequest.Types.PessimisticAction.DoConstraintCheck);
        Assert.Equal(2, (int)Kvrpcpb.CommitRole.Secondary);
        Assert.Equal(2, (int)Metapb.StoreState.Tombstone);
        Assert.Equal(3, (int)Metapb.PeerRole.DemotingVoter);
        Assert.Equal(3, (int)Metapb.NodeState.Removed);
        Assert.Equal(4, (int)Pdpb.ErrorType.AlreadyBootstrapped);
        Assert.Equal(12, (int)Pdpb.ErrorType.RegionsNotContainAllKeyRange);
        Assert.Equal(2, (int)Pdpb.CheckPolicy.Usekey);
        Assert.Equal(2, (int)Pdpb.SplitReason.Load);
        Assert.Equal(2, (int)Pdpb.ServiceMode.ApiSvcMode);
        Assert.Equal(2, (int)Eraftpb.ConfChangeType.AddLearnerNode);
        Assert.Equal(18, (int)Eraftpb.MessageType.MsgRequestPreVoteResponse);
    }

    private static int CheckPacked(MessageDescriptor message)
    {
        var count = 0;
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            var scalar = field.FieldType is not (FieldType.Message or FieldType.String or FieldType.Bytes or FieldType.Group);
            if (field.IsRepeated && !field.IsMap && scalar)
            {
                Assert.True(field.IsPacked, $"{field.FullName} is not packed");
                count++;
            }
        }
        foreach (var nested in message.NestedTypes)
        {
            count += CheckPacked(nested);
        }
        return count;
    }

    private static List<string> ParseFields(string list)
    {
        var fields = new List<string>();
        foreach (var part in list.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var tokens = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(tokens.Length is 3 or 4, $"bad field spec: {part}");
            fields.Add(string.Join(' ', tokens));
        }
        return fields;
    }

    private static string Describe(FieldDescriptor field)
    {
        if (field.IsMap)
        {
            var entry = field.MessageType;
            return $"{field.FieldNumber} {field.Name} map<{TypeName(entry.FindFieldByNumber(1))},{TypeName(entry.FindFieldByNumber(2))}>";
        }
        var label = field.IsRepeated ? "repeated " : string.Empty;
        return $"{field.FieldNumber} {field.Name} {label}{TypeName(field)}";
    }

    private static string TypeName(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.UInt64 => "uint64",
        FieldType.UInt32 => "uint32",
        FieldType.Int64 => "int64",
        FieldType.Int32 => "int32",
        FieldType.Bool => "bool",
        FieldType.Bytes => "bytes",
        FieldType.String => "string",
        FieldType.Message => field.MessageType.FullName,
        FieldType.Enum => field.EnumType.FullName,
        // Any other wire type (fixed, zigzag, floating point) never appears in the table: a mismatch.
        _ => field.FieldType.ToString(),
    };
}
