namespace ManagedKv.Raft;

/// <summary>
/// A membership change proposal (etcd's ConfChangeV2): zero or more <see cref="ConfChangeSingle"/> steps and the
/// transition to use. An empty change with <see cref="ConfChangeTransition.Auto"/> leaves a joint configuration.
/// Carried in <see cref="EntryType.EntryConfChangeV2"/> entries, encoded by <see cref="Encode"/>
/// (format in FORMAT.md, "Configuration change").
/// </summary>
public sealed class ConfChangeV2
{
    private const byte FormatVersion = 1;

    /// <summary>Creates a change.</summary>
    public ConfChangeV2(ConfChangeTransition transition, ConfChangeSingle[] changes, ReadOnlyMemory<byte> context = default)
    {
        Transition = transition;
        Changes = changes;
        Context = context;
    }

    /// <summary>How joint consensus is used.</summary>
    public ConfChangeTransition Transition { get; }

    /// <summary>The steps, applied in order.</summary>
    public ConfChangeSingle[] Changes { get; }

    /// <summary>Opaque application context.</summary>
    public ReadOnlyMemory<byte> Context { get; }

    /// <summary>The change that leaves a joint configuration.</summary>
    public static ConfChangeV2 LeaveJointChange() => new(ConfChangeTransition.Auto, []);

    /// <summary>A simple change of one node (no joint consensus).</summary>
    public static ConfChangeV2 Simple(ConfChangeType type, ulong nodeId) => new(ConfChangeTransition.Auto, [new ConfChangeSingle(type, nodeId)]);

    /// <summary>True when this change leaves a joint configuration.</summary>
    public bool IsLeaveJoint => Transition == ConfChangeTransition.Auto && Changes.Length == 0 && Context.IsEmpty;

    /// <summary>Whether this change enters a joint configuration, and if so whether it is left automatically.</summary>
    public bool EntersJoint(out bool autoLeave)
    {
        if (Transition != ConfChangeTransition.Auto || Changes.Length > 1)
        {
            autoLeave = Transition != ConfChangeTransition.JointExplicit;
            return true;
        }

        autoLeave = false;
        return false;
    }

    /// <summary>Encodes the change as entry data. The leave-joint change encodes to zero bytes.</summary>
    public byte[] Encode()
    {
        if (IsLeaveJoint)
        {
            return [];
        }

        // version(1) transition(1) count(varint) [type(1) nodeId(varint)]* contextLength(varint) context
        var buffer = new byte[3 + (Changes.Length * 11) + 10 + Context.Length];
        int pos = 0;
        buffer[pos++] = FormatVersion;
        buffer[pos++] = (byte)Transition;
        pos += Varint.Write(buffer.AsSpan(pos), (ulong)Changes.Length);
        foreach (ConfChangeSingle change in Changes)
        {
            buffer[pos++] = (byte)change.Type;
            pos += Varint.Write(buffer.AsSpan(pos), change.NodeId);
        }

        pos += Varint.Write(buffer.AsSpan(pos), (ulong)Context.Length);
        Context.Span.CopyTo(buffer.AsSpan(pos));
        pos += Context.Length;
        return buffer.AsSpan(0, pos).ToArray();
    }

    /// <summary>Decodes entry data written by <see cref="Encode"/>.</summary>
    /// <exception cref="FormatException">The data is malformed or of an unknown version.</exception>
    public static ConfChangeV2 Decode(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return LeaveJointChange();
        }

        int pos = 0;
        if (data[pos++] != FormatVersion)
        {
            throw new FormatException($"unknown ConfChangeV2 version {data[0]}");
        }

        if (pos >= data.Length || data[pos] > (byte)ConfChangeTransition.JointExplicit)
        {
            throw new FormatException("bad ConfChangeV2 transition");
        }

        var transition = (ConfChangeTransition)data[pos++];
        ulong count = Varint.Read(data, ref pos);
        if (count > (ulong)data.Length)
        {
            throw new FormatException($"bad ConfChangeV2 change count {count}");
        }

        var changes = new ConfChangeSingle[count];
        for (int i = 0; i < changes.Length; i++)
        {
            if (pos >= data.Length || data[pos] > (byte)ConfChangeType.AddLearnerNode)
            {
                throw new FormatException("bad ConfChangeV2 change type");
            }

            var type = (ConfChangeType)data[pos++];
            changes[i] = new ConfChangeSingle(type, Varint.Read(data, ref pos));
        }

        ulong contextLength = Varint.Read(data, ref pos);
        if (contextLength != (ulong)(data.Length - pos))
        {
            throw new FormatException($"bad ConfChangeV2 context length {contextLength}");
        }

        return new ConfChangeV2(transition, changes, data.Slice(pos).ToArray());
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Transition} [{string.Join(", ", Changes)}]";
}
