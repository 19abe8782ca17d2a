namespace ManagedKv.Raft;

/// <summary>How a <see cref="ConfChangeV2"/> uses joint consensus (Raft thesis §4.3).</summary>
/// <remarks>On the wire and on disk: never renumber.</remarks>
public enum ConfChangeTransition : byte
{
    /// <summary>A single change is applied directly; several changes enter a joint configuration that the leader
    /// leaves automatically.</summary>
    Auto = 0,
    /// <summary>Always enter a joint configuration, left automatically.</summary>
    JointImplicit = 1,
    /// <summary>Always enter a joint configuration, left only by an explicit empty <see cref="ConfChangeV2"/>.</summary>
    JointExplicit = 2,
}
