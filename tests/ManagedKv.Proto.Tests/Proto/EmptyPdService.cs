// A PD service that overrides nothing: every method answers UNIMPLEMENTED (the generated base).
namespace ManagedKv.Proto.Tests.Proto;

internal sealed class EmptyPdService : Pdpb.PD.PDBase
{
}
