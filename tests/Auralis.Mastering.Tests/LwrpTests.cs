namespace Auralis.Mastering.Tests;

/// <summary>The 2D LWRP decision rule of docs/mastering.md, with its two reference points.</summary>
public sealed class LwrpTests
{
    [Fact]
    public void Seed_example_minus_11_lufs_crest_12_gives_expansion_exactly_0_1()
    {
        var d = Lwrp.Decide(-11.0, 12.0);
        Assert.Equal(LwrpZone.CompressedLoud, d.Zone);
        Assert.Equal(0.1, d.Expansion);
        Assert.Equal(-0.5, d.TrimDb);
    }

    [Fact]
    public void Seed_example_minus_8_2_lufs_crest_8_5_gives_expansion_exactly_0_45()
    {
        var d = Lwrp.Decide(-8.2, 8.5);
        Assert.Equal(LwrpZone.CompressedLoud, d.Zone);
        Assert.Equal(0.45, d.Expansion);
        Assert.Equal(-0.5, d.TrimDb);
    }

    [Theory]
    [InlineData(-12.0, 5.0, LwrpZone.QuietDynamic)] // the threshold itself is quiet (LUFS <= -12)
    [InlineData(-30.0, 25.0, LwrpZone.QuietDynamic)]
    [InlineData(-12.0001, 20.0, LwrpZone.QuietDynamic)]
    [InlineData(-11.9999, 12.9999, LwrpZone.CompressedLoud)]
    [InlineData(-11.9999, 13.0, LwrpZone.DynamicLoud)] // crest 13 is dynamic (crest >= 13)
    [InlineData(-5.0, 18.0, LwrpZone.DynamicLoud)]
    public void Zones_split_at_minus_12_lufs_and_13_db_crest(double lufs, double crest, LwrpZone zone) =>
        Assert.Equal(zone, Lwrp.Decide(lufs, crest).Zone);

    [Theory]
    [InlineData(12.5, 0.1)] // (13 - 12.5) / 10 = 0.05, floored at 0.1
    [InlineData(11.0, 0.2)]
    [InlineData(6.0, 0.7)]
    [InlineData(0.0, 1.3)]
    public void Expansion_is_max_of_0_1_and_thirteen_minus_crest_over_ten(double crest, double expected) =>
        Assert.Equal(expected, Lwrp.Decide(-9.0, crest).Expansion, 12);

    [Theory]
    [InlineData(-20.0, 8.0)]
    [InlineData(-9.0, 15.0)]
    public void Only_compressed_loud_material_gets_expansion_and_the_trim(double lufs, double crest)
    {
        var d = Lwrp.Decide(lufs, crest);
        Assert.Equal(0.0, d.Expansion);
        Assert.Equal(0.0, d.TrimDb);
    }

    [Fact]
    public void Zone_names_are_the_documented_snake_case_strings()
    {
        Assert.Equal("quiet_dynamic", Lwrp.Decide(-20, 10).ZoneName);
        Assert.Equal("compressed_loud", Lwrp.Decide(-9, 10).ZoneName);
        Assert.Equal("dynamic_loud", Lwrp.Decide(-9, 15).ZoneName);
    }

    [Theory]
    [InlineData(double.NaN, 10.0)]
    [InlineData(-10.0, double.PositiveInfinity)]
    public void Non_finite_inputs_are_rejected(double lufs, double crest) =>
        Assert.Throws<ArgumentException>(() => Lwrp.Decide(lufs, crest));
}
