namespace Auralis.Native;

/// <summary>The core's real FFT (power spectrum), for benchmarks and tools.</summary>
public sealed unsafe class NativeFft : IDisposable
{
    private readonly FftPlanHandle _plan = new();

    public NativeFft(int length)
    {
        nint raw;
        NativeStatus.ThrowIfError(NativeMethods.au_fft_plan_new((uint)length, &raw), $"creating a native FFT plan of length {length}");
        _plan.Attach(raw);
        Length = length;
    }

    public int Length { get; }

    /// <summary>|X[k]|^2 for k = 0..Length/2 of <paramref name="input"/> (Length values).</summary>
    public void PowerSpectrum(ReadOnlySpan<float> input, Span<float> power)
    {
        fixed (float* i = input)
        fixed (float* o = power)
        {
            NativeStatus.ThrowIfError(NativeMethods.au_fft_plan_power(_plan, i, (nuint)input.Length, o, (nuint)power.Length), "native FFT");
        }
    }

    public void Dispose() => _plan.Dispose();
}
