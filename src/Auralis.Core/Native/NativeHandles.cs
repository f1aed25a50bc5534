using System.Runtime.InteropServices;

namespace Auralis.Native;

/// <summary>Owns an AuAnalyzer*; freed exactly once by the runtime.</summary>
internal sealed class AnalyzerHandle : SafeHandle
{
    public AnalyzerHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    internal void Attach(nint value) => SetHandle(value);

    protected override bool ReleaseHandle()
    {
        NativeMethods.au_analyzer_free(handle);
        return true;
    }
}

/// <summary>Owns an AuFftPlan*; freed exactly once by the runtime.</summary>
internal sealed class FftPlanHandle : SafeHandle
{
    public FftPlanHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    internal void Attach(nint value) => SetHandle(value);

    protected override bool ReleaseHandle()
    {
        NativeMethods.au_fft_plan_free(handle);
        return true;
    }
}
