using System.Runtime.CompilerServices;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// SplitMix64: a tiny, fast, seedable generator for workload keys (System.Random is slower and its sequence is not
/// specified across runtimes). A mutable struct owned by one worker thread.
/// </summary>
internal struct FastRandom
{
    private ulong _state;

    public FastRandom(ulong seed) => _state = seed;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) by Lemire's multiply-shift (bias below 2^-64 · bound, irrelevant here).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Below(ulong bound) => Math.BigMul(Next(), bound, out _);

    /// <summary>Uniform in [0, 100).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Percent() => (int)Below(100);
}
