namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// The managed twin of the native analyzer: the same docs/fingerprint.md algorithm, decision for
/// decision, in C# with System.Runtime.Intrinsics. Results agree with the native engine within
/// <see cref="FingerprintDimensions.ParityTolerance"/>.
/// </summary>
public sealed class ManagedFingerprintEngine : IFingerprintEngine
{
    private ManagedFingerprintEngine()
    {
    }

    /// <summary>The engine (stateless; every analysis has its own analyzer).</summary>
    public static ManagedFingerprintEngine Instance { get; } = new();

    public string Name => "managed";

    /// <inheritdoc/>
    public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels) => new ManagedFingerprintAnalyzer(sampleRate, channels);

    /// <inheritdoc/>
    public IFingerprintAnalyzer CreateAnalyzer(int sampleRate, int channels, int version) => new ManagedFingerprintAnalyzer(sampleRate, channels, version);
}
