using System.Runtime.InteropServices;

namespace Auralis.Native;

/// <summary>
/// Owns one native object, freed exactly once by the runtime through the object's null-safe
/// <c>_free</c> export.
/// </summary>
internal abstract class OwnedNativeHandle : SafeHandle
{
    protected OwnedNativeHandle()
        : base(nint.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == nint.Zero;

    internal void Attach(nint value) => SetHandle(value);

    protected override bool ReleaseHandle()
    {
        Free(handle);
        return true;
    }

    protected abstract void Free(nint value);
}

/// <summary>An AuAnalyzer*.</summary>
internal sealed class AnalyzerHandle : OwnedNativeHandle
{
    protected override void Free(nint value) => NativeMethods.au_analyzer_free(value);
}

/// <summary>An AuFftPlan*.</summary>
internal sealed class FftPlanHandle : OwnedNativeHandle
{
    protected override void Free(nint value) => NativeMethods.au_fft_plan_free(value);
}
