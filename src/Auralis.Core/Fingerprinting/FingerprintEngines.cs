using Auralis.Fingerprinting.Managed;
using Auralis.Native;

namespace Auralis.Fingerprinting;

public enum EngineChoice
{
    /// <summary>Native when the library loads, else managed with a visible notice.</summary>
    Auto,
    Native,
    Managed,
}

/// <summary>The engine chosen for a run and, when it is a fallback, the notice to show once.</summary>
public sealed record EngineSelection(IFingerprintEngine Engine, string? Notice);

public static class FingerprintEngines
{
    public static IFingerprintEngine Managed => ManagedFingerprintEngine.Instance;

    /// <summary>
    /// Picks the engine. <see cref="EngineChoice.Native"/> fails loudly when the library cannot
    /// load; <see cref="EngineChoice.Auto"/> falls back to the managed engine and returns a
    /// notice saying so and why, so a 4x slower run is never silent (the tool Auralis replaces lost a day of work to exactly that).
    /// </summary>
    /// <exception cref="FingerprintException">Native was requested and cannot load.</exception>
    public static EngineSelection Select(EngineChoice choice)
    {
        switch (choice)
        {
            case EngineChoice.Managed:
                return new EngineSelection(Managed, null);
            case EngineChoice.Native:
                return NativeFingerprintEngine.TryLoad(out var native, out var error)
                    ? new EngineSelection(native!, null)
                    : throw new FingerprintException(FingerprintErrorKind.Internal, $"native engine unavailable: {error}");
            default:
                return NativeFingerprintEngine.TryLoad(out var auto, out var reason)
                    ? new EngineSelection(auto!, null)
                    : new EngineSelection(Managed, $"native engine unavailable, using the slower managed engine: {reason}");
        }
    }

    public static EngineChoice Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => EngineChoice.Auto,
        "native" => EngineChoice.Native,
        "managed" => EngineChoice.Managed,
        _ => throw new ArgumentException($"Unknown engine '{value}': use auto, native or managed.", nameof(value)),
    };
}
