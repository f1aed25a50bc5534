using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>The search behind the server's track list: matching, escaping, sorting, paging.</summary>
public sealed class TrackSearchTests : IDisposable
{
    private readonly TestDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public void Search_matches_path_case_insensitively_and_counts_all_matches_beyond_the_page()
    {
        for (var i = 0; i < 30; i++)
        {
            _db.Tracks.Add($"/music/{(i % 2 == 0 ? "Jazz" : "rock")}/{i:00}.flac", 1, 1);
        }

        var page = _db.Tracks.Search("jazz", TrackSort.Path, descending: false, limit: 5, offset: 5);
        Assert.Equal(15, page.Total);
        Assert.Equal(["/music/Jazz/10.flac", "/music/Jazz/12.flac", "/music/Jazz/14.flac", "/music/Jazz/16.flac", "/music/Jazz/18.flac"],
            page.Tracks.Select(t => t.Track.FilePath));
        Assert.Equal(30, _db.Tracks.Search(null, TrackSort.Id, false, 100, 0).Total);
    }

    [Fact]
    public void Like_wildcards_in_the_query_match_only_themselves()
    {
        _db.Tracks.Add("/music/100%_pure.flac", 1, 1);
        _db.Tracks.Add("/music/100x-pure.flac", 1, 1);
        Assert.Equal(["/music/100%_pure.flac"], _db.Tracks.Search("100%_", TrackSort.Id, false, 10, 0).Tracks.Select(t => t.Track.FilePath));
        Assert.Equal(0, _db.Tracks.Search("\\", TrackSort.Id, false, 10, 0).Total);
    }

    [Fact]
    public void Sorting_by_loudness_puts_fingerprinted_tracks_in_order_and_reports_lufs_and_crest()
    {
        var quiet = _db.Tracks.Add("/music/quiet.flac", 1, 1);
        var loud = _db.Tracks.Add("/music/loud.flac", 1, 1);
        _db.Tracks.Add("/music/none.flac", 1, 1);
        var q = TestDatabase.Sample(1).Values.ToArray();
        q[7] = -30f;
        q[8] = 18f;
        var l = TestDatabase.Sample(2).Values.ToArray();
        l[7] = -7f;
        l[8] = 8f;
        _db.Fingerprints.Add(quiet, new Auralis.Fingerprinting.Fingerprint(q));
        _db.Fingerprints.Add(loud, new Auralis.Fingerprinting.Fingerprint(l));

        var page = _db.Tracks.Search(null, TrackSort.Lufs, descending: true, 10, 0);
        Assert.Equal(["/music/loud.flac", "/music/quiet.flac", "/music/none.flac"], page.Tracks.Select(t => t.Track.FilePath));
        Assert.Equal((-7.0, 8.0), (page.Tracks[0].Lufs, page.Tracks[0].CrestDb));
        Assert.Null(page.Tracks[2].Lufs);
    }
}
