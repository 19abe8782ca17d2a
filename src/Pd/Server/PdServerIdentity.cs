// How this PD member describes itself in GetMembers: name, member id, and the URLs clients dial (the address the
// server is bound to, or the advertised one). Built once the listening port is known; immutable.
namespace ManagedKv.Pd.Server;

internal sealed class PdServerIdentity
{
    private Pdpb.Member? _member;

    /// <summary>The member record; set once by PdServer after Kestrel bound its port.</summary>
    public Pdpb.Member Member => _member ?? throw new InvalidOperationException("PD member identity read before the server bound its address");

    public void Set(Pdpb.Member member) => _member = member;
}
