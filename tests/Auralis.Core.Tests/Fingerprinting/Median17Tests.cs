using System.Runtime.InteropServices;
using Auralis.Fingerprinting.Managed;

namespace Auralis.Tests.Fingerprinting;

/// <summary>The median-of-17 network against sorting, lane by lane.</summary>
public sealed class Median17Tests
{
    private static readonly int[] Contiguous = Enumerable.Range(0, 17).Select(j => j * 8).ToArray();

    /// <summary>Lane l of the result against the sorted 17 values of lane l.</summary>
    private static void AssertMatchesSort(float[] data, int[] offsets, int add, string what)
    {
        var median = Median17.Of(ref MemoryMarshal.GetArrayDataReference(data), offsets, add);
        for (var lane = 0; lane < 8; lane++)
        {
            var values = offsets.Select(o => data[o + add + lane]).Order().ToArray();
            Assert.True(values[8] == median[lane], $"{what}, lane {lane}: got {median[lane]}, sorted median {values[8]}");
        }
    }

    [Fact]
    public void Median_equals_the_sorted_middle_value_in_every_lane_for_random_data()
    {
        var rng = new Random(17);
        var data = new float[17 * 8];
        for (var trial = 0; trial < 5000; trial++)
        {
            for (var i = 0; i < data.Length; i++)
            {
                // Few distinct values in some trials, so ties are exercised too.
                data[i] = trial % 3 == 0 ? rng.Next(4) : (float)rng.NextDouble();
            }

            AssertMatchesSort(data, Contiguous, 0, $"trial {trial}");
        }
    }

    [Fact]
    public void Median_is_found_whichever_of_the_17_inputs_holds_it_in_whichever_lane()
    {
        // Values 0..16 in every permutation class that matters: the median (8) placed at each input
        // position in each lane, the rest shuffled around it.
        var rng = new Random(5);
        var data = new float[17 * 8];
        for (var position = 0; position < 17; position++)
        {
            for (var lane = 0; lane < 8; lane++)
            {
                for (var l = 0; l < 8; l++)
                {
                    var others = Enumerable.Range(0, 17).Where(v => v != 8).OrderBy(_ => rng.Next()).ToList();
                    var target = l == lane ? position : rng.Next(17);
                    others.Insert(target, 8);
                    for (var j = 0; j < 17; j++)
                    {
                        data[(j * 8) + l] = others[j];
                    }
                }

                var median = Median17.Of(ref MemoryMarshal.GetArrayDataReference(data), Contiguous, 0);
                Assert.True(median[lane] == 8.0f, $"median at input {position}, lane {lane}: got {median[lane]}");
            }
        }
    }

    [Fact]
    public void Overlapping_windows_read_through_offsets_give_sliding_medians()
    {
        // The frequency median's access pattern: input j of result lane l is data[start + j + l].
        var rng = new Random(9);
        var row = Enumerable.Range(0, 64).Select(_ => (float)rng.NextDouble()).ToArray();
        var offsets = Enumerable.Range(0, 17).ToArray();
        for (var start = 0; start + 16 + 8 <= row.Length; start++)
        {
            var median = Median17.Of(ref MemoryMarshal.GetArrayDataReference(row), offsets, start);
            for (var lane = 0; lane < 8; lane++)
            {
                var sorted = row.Skip(start + lane).Take(17).Order().ToArray();
                Assert.Equal(sorted[8], median[lane]);
            }
        }
    }

    [Fact]
    public void Median_of_every_0_1_input_is_right_in_every_lane()
    {
        // 0-1 principle: a comparator network that selects correctly on all 2^17 0/1 inputs
        // selects correctly on all inputs. 8 lanes test 8 patterns per call.
        var data = new float[17 * 8];
        for (var pattern = 0; pattern < 1 << 17; pattern += 8)
        {
            for (var lane = 0; lane < 8; lane++)
            {
                var bits = pattern + lane;
                for (var j = 0; j < 17; j++)
                {
                    data[(j * 8) + lane] = (bits >> j) & 1;
                }
            }

            var median = Median17.Of(ref MemoryMarshal.GetArrayDataReference(data), Contiguous, 0);
            for (var lane = 0; lane < 8; lane++)
            {
                var ones = int.PopCount(pattern + lane);
                var want = ones >= 9 ? 1.0f : 0.0f;
                Assert.True(want == median[lane], $"pattern {pattern + lane:X5}: got {median[lane]}");
            }
        }
    }
}
