namespace ManagedKv.Raft;

/// <summary>
/// A membership configuration as persisted in snapshots and returned by <see cref="RawNode.ApplyConfChange"/>.
/// In a joint configuration (Raft thesis §4.3) <see cref="VotersOutgoing"/> is non-empty and decisions need a
/// majority of both <see cref="Voters"/> and <see cref="VotersOutgoing"/>.
/// Immutable; id arrays are sorted ascending and duplicate-free.
/// </summary>
public sealed class ConfState : IEquatable<ConfState>
{
    /// <summary>The empty configuration.</summary>
    public static readonly ConfState Empty = new([], [], [], [], false);

    /// <summary>Creates a configuration; the arrays are copied and sorted.</summary>
    public ConfState(ulong[] voters, ulong[] learners, ulong[] votersOutgoing, ulong[] learnersNext, bool autoLeave)
    {
        Voters = Sorted(voters);
        Learners = Sorted(learners);
        VotersOutgoing = Sorted(votersOutgoing);
        LearnersNext = Sorted(learnersNext);
        AutoLeave = autoLeave;
    }

    /// <summary>Creates a simple (non-joint) configuration of voters only.</summary>
    public ConfState(params ulong[] voters) : this(voters, [], [], [], false)
    {
    }

    /// <summary>The voters of the incoming (or only) configuration.</summary>
    public ulong[] Voters { get; }

    /// <summary>Learners: receive the log, never vote.</summary>
    public ulong[] Learners { get; }

    /// <summary>The voters of the outgoing configuration; empty unless joint.</summary>
    public ulong[] VotersOutgoing { get; }

    /// <summary>Voters of the outgoing configuration that become learners when the joint configuration is left.</summary>
    public ulong[] LearnersNext { get; }

    /// <summary>Whether the leader leaves the joint configuration by itself once it is applied.</summary>
    public bool AutoLeave { get; }

    /// <summary>True when the configuration is joint.</summary>
    public bool IsJoint => VotersOutgoing.Length > 0;

    /// <summary>Whether <paramref name="id"/> appears anywhere in the configuration.</summary>
    public bool Contains(ulong id) =>
        Array.BinarySearch(Voters, id) >= 0 || Array.BinarySearch(Learners, id) >= 0
        || Array.BinarySearch(VotersOutgoing, id) >= 0 || Array.BinarySearch(LearnersNext, id) >= 0;

    /// <inheritdoc/>
    public bool Equals(ConfState? other) =>
        other is not null && AutoLeave == other.AutoLeave
        && Voters.AsSpan().SequenceEqual(other.Voters) && Learners.AsSpan().SequenceEqual(other.Learners)
        && VotersOutgoing.AsSpan().SequenceEqual(other.VotersOutgoing) && LearnersNext.AsSpan().SequenceEqual(other.LearnersNext);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ConfState);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Voters.Length, Learners.Length, VotersOutgoing.Length, AutoLeave);

    /// <inheritdoc/>
    public override string ToString() =>
        $"voters=[{string.Join(",", Voters)}] learners=[{string.Join(",", Learners)}] outgoing=[{string.Join(",", VotersOutgoing)}] learnersNext=[{string.Join(",", LearnersNext)}] autoLeave={AutoLeave}";

    private static ulong[] Sorted(ulong[] ids)
    {
        var copy = (ulong[])ids.Clone();
        Array.Sort(copy);
        return copy;
    }
}
