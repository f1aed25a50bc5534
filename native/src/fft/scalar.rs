//! Portable passes: the reference path, and the only one off x86_64. Written over re-sliced
//! chunks so the compiler drops bounds checks and can auto-vectorize the inner loops.

use super::RealFft;

/// Complex FFT of the bit-reversed (zr, zi) in place, then the real split into `a`/`b`.
pub(super) fn transform<const POWER: bool>(
    plan: &RealFft,
    zr: &mut [f32],
    zi: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
) {
    for s in 0..plan.base_log2 {
        radix2(zr, zi, 1 << s, &plan.base_re, &plan.base_im);
    }
    for (h, tw) in plan.passes() {
        radix4(zr, zi, h, tw);
    }
    for k in 0..a.len() {
        let (xr, xi) = plan.split_bin(zr, zi, k);
        if POWER {
            a[k] = xr * xr + xi * xi;
        } else {
            a[k] = xr;
            b[k] = xi;
        }
    }
}

/// One radix-2 DIT stage of half size h (h ≤ 8): twiddle w_{2h}^j = w16^(j·8/h).
pub(super) fn radix2(re: &mut [f32], im: &mut [f32], h: usize, w16_re: &[f32; 8], w16_im: &[f32; 8]) {
    let stride = 8 / h;
    for (cr, ci) in re.chunks_exact_mut(2 * h).zip(im.chunks_exact_mut(2 * h)) {
        let (r0, r1) = cr.split_at_mut(h);
        let (i0, i1) = ci.split_at_mut(h);
        for j in 0..h {
            let (wr, wi) = (w16_re[j * stride], w16_im[j * stride]);
            let (tr, ti) = (r1[j] * wr - i1[j] * wi, r1[j] * wi + i1[j] * wr);
            let (ur, ui) = (r0[j], i0[j]);
            (r0[j], i0[j]) = (ur + tr, ui + ti);
            (r1[j], i1[j]) = (ur - tr, ui - ti);
        }
    }
}

/// One radix-4 DIT pass of quarter size h (two radix-2 stages). Input quarters x0..x3 are the
/// sub-DFTs of residues 0, 2, 1, 3 (bit-reversed order), hence x1 gets w^2j and x2 gets w^j.
pub(super) fn radix4(re: &mut [f32], im: &mut [f32], h: usize, tw: &[f32]) {
    let w = |q: usize| &tw[q * h..(q + 1) * h];
    let (w1r, w1i, w2r, w2i, w3r, w3i) = (w(0), w(1), w(2), w(3), w(4), w(5));
    for (cr, ci) in re.chunks_exact_mut(4 * h).zip(im.chunks_exact_mut(4 * h)) {
        let (r01, r23) = cr.split_at_mut(2 * h);
        let (i01, i23) = ci.split_at_mut(2 * h);
        let ((r0, r1), (r2, r3)) = (r01.split_at_mut(h), r23.split_at_mut(h));
        let ((i0, i1), (i2, i3)) = (i01.split_at_mut(h), i23.split_at_mut(h));
        for j in 0..h {
            let (t1r, t1i) = (r1[j] * w2r[j] - i1[j] * w2i[j], r1[j] * w2i[j] + i1[j] * w2r[j]);
            let (t2r, t2i) = (r2[j] * w1r[j] - i2[j] * w1i[j], r2[j] * w1i[j] + i2[j] * w1r[j]);
            let (t3r, t3i) = (r3[j] * w3r[j] - i3[j] * w3i[j], r3[j] * w3i[j] + i3[j] * w3r[j]);
            let (ar, ai) = (r0[j] + t1r, i0[j] + t1i);
            let (br, bi) = (r0[j] - t1r, i0[j] - t1i);
            let (cr, ci) = (t2r + t3r, t2i + t3i);
            let (dr, di) = (t2r - t3r, t2i - t3i);
            (r0[j], i0[j]) = (ar + cr, ai + ci);
            (r2[j], i2[j]) = (ar - cr, ai - ci);
            // b ∓ i·d
            (r1[j], i1[j]) = (br + di, bi - dr);
            (r3[j], i3[j]) = (br - di, bi + dr);
        }
    }
}
