// The generated file descriptors of the kvproto subset, and lookup of a message descriptor by its
// full protobuf name (nested messages included), for the descriptor and service tests.
using Google.Protobuf.Reflection;

namespace ManagedKv.Proto.Tests.Proto;

internal static class ProtoFiles
{
    /// <summary>Every .proto file of src/Proto, as generated.</summary>
    public static readonly FileDescriptor[] All =
    [
        Metapb.MetapbReflection.Descriptor,
        Errorpb.ErrorpbReflection.Descriptor,
        Kvrpcpb.KvrpcpbReflection.Descriptor,
        Eraftpb.EraftpbReflection.Descriptor,
        RaftServerpb.RaftServerpbReflection.Descriptor,
        Tikvpb.TikvpbReflection.Descriptor,
        Pdpb.PdpbReflection.Descriptor,
    ];

    /// <summary>The message called <paramref name="fullName"/> (e.g. "kvrpcpb.PrewriteRequest.ForUpdateTSConstraint").</summary>
    public static MessageDescriptor FindMessage(string fullName)
    {
        foreach (var file in All)
        {
            foreach (var message in file.MessageTypes)
            {
                var found = Find(message, fullName);
                if (found is not null)
                {
                    return found;
                }
            }
        }
        throw new KeyNotFoundException($"no generated message {fullName}");
    }

    private static MessageDescriptor? Find(MessageDescriptor message, string fullName)
    {
        if (message.FullName == fullName)
        {
            return message;
        }
        foreach (var nested in message.NestedTypes)
        {
            var found = Find(nested, fullName);
            if (found is not null)
            {
                return found;
            }
        }
        return null;
    }
}
