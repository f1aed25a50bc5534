using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>An album plays in the order its tags give, whatever the names and ids say.</summary>
public sealed class AlbumOrderTests
{
    private static TrackSummary Track(long id, string path, string? title, int? disc, int? number) =>
        new(new TrackRecord(id, path, 1, 1, 60, 44_100, 2, "flac", title, "Artist", "Album", "t", "t", FingerprintStatus.Complete, null, null, 0)
        {
            DiscNumber = disc,
            TrackNumber = number,
        }, null, null);

    [Fact]
    public void Disc_then_track_number_then_the_shown_name_decide_and_unnumbered_tracks_come_last()
    {
        TrackSummary[] album =
        [
            Track(1, "/m/a/zeta.flac", "Zeta", disc: 1, number: 1),
            Track(2, "/m/a/alpha.flac", "Alpha", disc: 2, number: 1),
            Track(3, "/m/a/beta.flac", "Beta", disc: 1, number: 2),
            Track(4, "/m/a/bonus_b.flac", null, disc: null, number: null),
            Track(5, "/m/a/Bonus-A.flac", null, disc: null, number: null),
        ];

        var order = LibraryBrowser.PlayingOrder(album).Select(t => t.Track.Id);

        // Disc 1 (tracks 1, 2), disc 2, then the unnumbered by folded name: "bonus a" < "bonus b".
        Assert.Equal([1L, 3L, 2L, 5L, 4L], order);
    }
}
