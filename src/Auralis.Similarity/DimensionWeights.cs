using Auralis.Fingerprinting;

namespace Auralis.Similarity;

/// <summary>
/// Per-dimension weights of the distance (docs/similarity.md): a weight per group, spread evenly
/// over the group's dimensions. Defaults: frequency 0.33, dynamics 0.23, temporal 0.18,
/// spectral 0.12, harmonic 0.09, variation 0.05, stereo 0.03.
/// </summary>
public sealed class DimensionWeights
{
    public static readonly IReadOnlyDictionary<string, double> DefaultGroupWeights = new Dictionary<string, double>
    {
        ["frequency"] = 0.33,
        ["dynamics"] = 0.23,
        ["temporal"] = 0.18,
        ["spectral"] = 0.12,
        ["harmonic"] = 0.09,
        ["variation"] = 0.05,
        ["stereo"] = 0.03,
    };

    private readonly double[] _weights = new double[Fingerprint.Dimensions];

    /// <summary>Weights from group weights (missing groups weigh 0); no weight may be negative or non-finite.</summary>
    public DimensionWeights(IReadOnlyDictionary<string, double> groupWeights)
    {
        ArgumentNullException.ThrowIfNull(groupWeights);
        foreach (var (group, weight) in groupWeights)
        {
            var indexes = FingerprintDimensions.Groups.FirstOrDefault(g => g.Group == group).Indexes
                ?? throw new ArgumentException($"Unknown dimension group '{group}'; groups are {string.Join(", ", FingerprintDimensions.Groups.Select(g => g.Group))}.", nameof(groupWeights));
            if (!double.IsFinite(weight) || weight < 0)
            {
                throw new ArgumentException($"The weight of group '{group}' must be a finite number >= 0, not {weight}.", nameof(groupWeights));
            }

            foreach (var i in indexes)
            {
                _weights[i] = weight / indexes.Length;
            }
        }
    }

    public static DimensionWeights Default { get; } = new(DefaultGroupWeights);

    public double this[int dimension] => _weights[dimension];

    public ReadOnlySpan<double> Values => _weights;
}
