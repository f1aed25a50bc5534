using Microsoft.Win32.SafeHandles;

namespace Auralis.Audio.Native;

/// <summary>An open SNDFILE*; sf_close runs exactly once, even if the owner forgets to dispose.</summary>
internal sealed class SndFileHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SndFileHandle() : base(ownsHandle: true)
    {
    }

    /// <summary>
    /// Closes now and returns sf_close's result, so that writers can report a failed final flush
    /// (FLAC and Ogg encoders write their last pages in sf_close). 0 = ok.
    /// </summary>
    public int CloseAndCheck()
    {
        if (IsInvalid || IsClosed)
        {
            return 0;
        }

        int rc = SndFileNative.sf_close(handle);
        SetHandleAsInvalid();
        return rc;
    }

    protected override bool ReleaseHandle() => SndFileNative.sf_close(handle) == 0;
}
