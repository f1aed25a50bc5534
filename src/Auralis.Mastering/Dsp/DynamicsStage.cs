namespace Auralis.Mastering.Dsp;

/// <summary>
/// The part of the chain before loudness normalization: EQ, then the dynamics processor the
/// LWRP zone allows. The planner measures its output and the renderer runs the very same code,
/// so the normalization gain fits what is rendered.
/// </summary>
internal sealed class DynamicsStage
{
    private readonly BiquadCascade _equalizer;
    private readonly Compressor? _compressor;
    private readonly TransientExpander? _expander;

    public DynamicsStage(int sampleRate, int channels, MasteringPreset preset, LwrpDecision decision, int blockFrames = 4096)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(decision);
        _equalizer = Equalizer.Create(sampleRate, channels, preset.Eq, blockFrames);
        Mode = ModeFor(preset, decision);
        if (Mode == DynamicsMode.Compressor)
        {
            _compressor = new Compressor(sampleRate, channels, preset.Compressor);
        }
        else if (Mode == DynamicsMode.Expander)
        {
            _expander = new TransientExpander(sampleRate, channels, decision.Expansion, decision.TrimDb);
        }
    }

    public DynamicsMode Mode { get; }

    /// <summary>
    /// Quiet material gets the compressor (unless its ratio is 1); compressed loud material the
    /// expander instead; dynamic loud material no dynamics processing (the limiter is the only one).
    /// </summary>
    public static DynamicsMode ModeFor(MasteringPreset preset, LwrpDecision decision)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(decision);
        return decision.Zone switch
        {
            LwrpZone.QuietDynamic => preset.Compressor.Ratio > 1.0 ? DynamicsMode.Compressor : DynamicsMode.None,
            LwrpZone.CompressedLoud => DynamicsMode.Expander,
            _ => DynamicsMode.None,
        };
    }

    public void Reset()
    {
        _equalizer.Reset();
        _compressor?.Reset();
        _expander?.Reset();
    }

    public void Process(Span<float> interleaved)
    {
        _equalizer.Process(interleaved);
        _compressor?.Process(interleaved);
        _expander?.Process(interleaved);
    }
}
