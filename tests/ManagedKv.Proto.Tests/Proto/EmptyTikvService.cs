// A Tikv service that overrides nothing: every method answers UNIMPLEMENTED (the generated base).
namespace ManagedKv.Proto.Tests.Proto;

internal sealed class EmptyTikvService : Tikvpb.Tikv.TikvBase
{
}
