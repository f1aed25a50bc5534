using System.Collections.ObjectModel;
using System.Globalization;

namespace Auralis.Fingerprinting;

/// <summary>
/// The 25 dimensions of docs/fingerprint.md (algorithm version <see cref="FingerprintVersion"/>) in
/// storage order. Immutable; values are always finite.
/// </summary>
public sealed class Fingerprint : IEquatable<Fingerprint>
{
    /// <summary>Algorithm version of docs/fingerprint.md implemented by both engines; what is stored.</summary>
    public const int FingerprintVersion = 1;

    /// <summary>
    /// The next version of the definitions, in development (docs/fingerprint.md, "Version 2 in
    /// development"): both engines compute it on request (<see cref="IFingerprintEngine.CreateAnalyzer(int, int, int)"/>)
    /// for tests and benchmarks; nothing stores it. It becomes <see cref="FingerprintVersion"/>
    /// when every change it needs is in; until then its numbers may still change.
    /// </summary>
    public const int DraftVersion = 2;

    /// <summary>Number of dimensions.</summary>
    public const int Dimensions = 25;

    private readonly float[] _values;

    public Fingerprint(ReadOnlySpan<float> values)
    {
        if (values.Length != Dimensions)
        {
            throw new ArgumentException($"A fingerprint has {Dimensions} values, got {values.Length}.", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException($"Dimension {FingerprintDimensions.Names[i]} is {values[i]}: fingerprints are always finite.", nameof(values));
            }
        }

        _values = values.ToArray();
    }

    public ReadOnlySpan<float> Values => _values;

    public float this[int index] => _values[index];

    public float this[string name] => _values[FingerprintDimensions.IndexOf(name)];

    /// <summary>Name/value pairs in storage order.</summary>
    public IEnumerable<KeyValuePair<string, float>> Named()
    {
        for (var i = 0; i < Dimensions; i++)
        {
            yield return new KeyValuePair<string, float>(FingerprintDimensions.Names[i], _values[i]);
        }
    }

    public bool Equals(Fingerprint? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);

    public override bool Equals(object? obj) => Equals(obj as Fingerprint);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var v in _values)
        {
            hash.Add(v);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(", ", Named().Select(p => $"{p.Key}={p.Value:G6}"));

    /// <summary>
    /// Null when every value lies in its dimension's range (<see cref="FingerprintDimensions.Ranges"/>),
    /// else what is wrong with the first that does not ("bass_pct is 3.4E+38, outside 0 to 100").
    /// Anything outside is not a fingerprint of any audio, and is never stored or trusted.
    /// </summary>
    public string? OutOfRange => FingerprintDimensions.OutOfRange(_values);
}

/// <summary>
/// The values one dimension can take: [<see cref="Min"/>, <see cref="Max"/>], or exactly 0 when
/// <see cref="OrZero"/> (tempo_bpm is 0 for aperiodic audio, chroma_energy 0 for silence).
/// </summary>
public readonly record struct DimensionRange(double Min, double Max, bool OrZero = false)
{
    /// <summary>
    /// Float rounding at a bound (a band share of 100.00001, a square wave's crest factor of
    /// -1e-7) is not out of range: values within 1e-4 of the range's width outside it count as in.
    /// </summary>
    public double Slack => 1e-4 * (Max - Min);

    public bool Contains(double value) =>
        (value >= Min - Slack && value <= Max + Slack) || (OrZero && value == 0); // false for NaN

    public override string ToString() =>
        (OrZero ? "0 or " : "") + string.Create(CultureInfo.InvariantCulture, $"{Min:G6} to {Max:G6}");
}

/// <summary>Names, groups and units of the dimensions (docs/fingerprint.md).</summary>
public static class FingerprintDimensions
{
    public static readonly ReadOnlyCollection<string> Names = new(
    [
        "sub_bass_pct", "bass_pct", "low_mid_pct", "mid_pct", "upper_mid_pct", "presence_pct", "air_pct",
        "lufs", "crest_db", "bass_mid_ratio",
        "tempo_bpm", "rhythm_stability", "transient_density", "silence_ratio",
        "spectral_centroid", "spectral_rolloff", "spectral_flatness",
        "harmonic_ratio", "pitch_stability", "chroma_energy",
        "dynamic_range_variation", "loudness_variation_std", "peak_consistency",
        "stereo_width", "phase_correlation",
    ]);

    /// <summary>The seven groups, with their dimension indexes.</summary>
    public static readonly ReadOnlyCollection<(string Group, int[] Indexes)> Groups = new(
    [
        ("frequency", [0, 1, 2, 3, 4, 5, 6]),
        ("dynamics", [7, 8, 9]),
        ("temporal", [10, 11, 12, 13]),
        ("spectral", [14, 15, 16]),
        ("harmonic", [17, 18, 19]),
        ("variation", [20, 21, 22]),
        ("stereo", [23, 24]),
    ]);

    /// <summary>The unit of each dimension, for display.</summary>
    public static readonly ReadOnlyCollection<string> Units = new(
    [
        "%", "%", "%", "%", "%", "%", "%",
        "LUFS", "dB", "dB",
        "BPM", "0-1", "0-1", "0-1",
        "0-1", "0-1", "0-1",
        "0-1", "0-1", "1/12-1",
        "LU", "LU", "0-1",
        "0-1", "-1..1",
    ]);

    /// <summary>
    /// The range of each dimension, in storage order, as docs/fingerprint.md ("Ranges") gives and
    /// explains them (for the open-ended units, bounds derived from the definitions). Sidecars, server answers and database rows outside them are not trusted, and
    /// an extraction that produces a value outside them is an error.
    /// </summary>
    public static readonly ReadOnlyCollection<DimensionRange> Ranges = new(
    [
        new(0, 100), new(0, 100), new(0, 100), new(0, 100), new(0, 100), new(0, 100), new(0, 100),
        new(-70, 40), // lufs: -70 when nothing passes the gate; +40 is above any audio within +-16 (24 dBFS)
        new(0, 150), // crest_db: peak >= RMS; a lone peak among n samples gives 10 log10(n)
        new(-60, 60), // bass_mid_ratio: clamped
        new(60, 200, OrZero: true), // tempo_bpm: folded into [60, 200), or 0
        new(0, 1), new(0, 1), new(0, 1),
        new(0, 1), new(0, 1), new(0, 1),
        new(0, 1), new(0, 1), new(1.0 / 12, 1, OrZero: true), // chroma_energy: 1/12 (flat) to 1, 0 for silence
        new(0, 110), new(0, 110), // LU: spans of short-term loudness between -70 and +40 LUFS
        new(0, 1),
        new(0, 1), new(-1, 1),
    ]);

    /// <summary>Null when every value lies in its range, else a description of the first that does not.</summary>
    public static string? OutOfRange(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length && i < Ranges.Count; i++)
        {
            if (!Ranges[i].Contains(values[i]))
            {
                return Describe(i, values[i]);
            }
        }

        return null;
    }

    /// <summary>"bass_pct is 3.4E+38, outside 0 to 100".</summary>
    public static string Describe(int index, double value) =>
        string.Create(CultureInfo.InvariantCulture, $"{Names[index]} is {value:G7}, outside {Ranges[index]}");

    private static readonly Dictionary<string, int> Index = Names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);

    /// <summary>Unit kind per dimension, which decides the parity tolerance.</summary>
    public static DimensionUnit UnitOf(int index) => index switch
    {
        <= 10 => DimensionUnit.Scaled, // %, LUFS, dB, BPM
        20 or 21 => DimensionUnit.Scaled, // LU
        _ => DimensionUnit.Unit, // 0-1 (and -1..1)
    };

    public static int IndexOf(string name) =>
        Index.TryGetValue(name, out var i) ? i : throw new ArgumentException($"Unknown fingerprint dimension '{name}'.", nameof(name));

    /// <summary>
    /// docs/fingerprint.md parity tolerance: max(1e-3 * |value|, tol), tol = 0.01 for %, dB, LU, LUFS
    /// and BPM dimensions and 1e-3 for 0-1 dimensions.
    /// </summary>
    public static double ParityTolerance(int index, double value) =>
        Math.Max(1e-3 * Math.Abs(value), UnitOf(index) == DimensionUnit.Scaled ? 0.01 : 1e-3);
}

public enum DimensionUnit
{
    /// <summary>Percent, dB, LU, LUFS or BPM.</summary>
    Scaled,

    /// <summary>A 0-1 (or -1..1) quantity.</summary>
    Unit,
}
