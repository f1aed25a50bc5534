using Auralis.Fingerprinting;
using Auralis.Native;

namespace Auralis.Tests.Fingerprinting;

/// <summary>Every truth of docs/fingerprint.md, checked on the Rust core through the C ABI.</summary>
public sealed class NativeFingerprintContractTests : FingerprintContractTests
{
    protected override IFingerprintEngine Engine => NativeEngine.Instance;
}

internal static class NativeEngine
{
    /// <summary>The native engine; a test that needs it fails (not skips) when it cannot load.</summary>
    public static IFingerprintEngine Instance =>
        NativeFingerprintEngine.TryLoad(out var engine, out var error)
            ? engine!
            : throw new InvalidOperationException($"The native core must load for the tests: {error}");
}
