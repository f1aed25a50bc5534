//! AVX2+FMA passes, the same algorithm as `scalar` with 8 points per vector.
//!
//! Every function here is a safe `#[target_feature]` fn: the only obligation, that the CPU has
//! AVX2 and FMA, is discharged once at the call in `RealFft::run`. Inside, only the unaligned
//! loads/stores through raw pointers are unsafe; each function asserts the lengths its pointer
//! arithmetic relies on before its loop.

use std::arch::x86_64::*;
use std::f32::consts::FRAC_1_SQRT_2;

use super::RealFft;

/// Complex FFT of the bit-reversed (zr, zi) in place, then the real split into `a`/`b`.
#[target_feature(enable = "avx2,fma")]
pub(super) fn transform<const POWER: bool>(
    plan: &RealFft,
    zr: &mut [f32],
    zi: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
) {
    base_pass(zr, zi, plan.base_log2, &plan.base_re, &plan.base_im);
    for (h, tw) in plan.passes() {
        radix4(zr, zi, h, tw);
    }
    split::<POWER>(plan, zr, zi, a, b);
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn cmul(ar: __m256, ai: __m256, br: __m256, bi: __m256) -> (__m256, __m256) {
    (
        _mm256_fmsub_ps(ar, br, _mm256_mul_ps(ai, bi)),
        _mm256_fmadd_ps(ar, bi, _mm256_mul_ps(ai, br)),
    )
}

/// 8-point DIT on one vector of bit-reversed points: radix-2 stages h = 1, 2, 4 in-register.
/// Each stage is x·sign + swapped(x): lower lanes get x0 + x1, upper lanes -x1 + x0, where the
/// upper lanes were multiplied by their twiddle first.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn dft8(r: __m256, i: __m256) -> (__m256, __m256) {
    // h = 1: pairs (0,1), (2,3), ...; all twiddles 1.
    let s = _mm256_setr_ps(1., -1., 1., -1., 1., -1., 1., -1.);
    let r = _mm256_fmadd_ps(r, s, _mm256_permute_ps::<0xB1>(r));
    let i = _mm256_fmadd_ps(i, s, _mm256_permute_ps::<0xB1>(i));
    // h = 2: lanes 3 and 7 carry w4 = -i, i.e. (r, i) -> (i, -r).
    let neg_r = _mm256_sub_ps(_mm256_setzero_ps(), r);
    let (r, i) = (_mm256_blend_ps::<0x88>(r, i), _mm256_blend_ps::<0x88>(i, neg_r));
    let s = _mm256_setr_ps(1., 1., -1., -1., 1., 1., -1., -1.);
    let r = _mm256_fmadd_ps(r, s, _mm256_permute_ps::<0x4E>(r));
    let i = _mm256_fmadd_ps(i, s, _mm256_permute_ps::<0x4E>(i));
    // h = 4: lanes 4..7 carry w8^0..3.
    let c = FRAC_1_SQRT_2;
    let wr = _mm256_setr_ps(1., 1., 1., 1., 1., c, 0., -c);
    let wi = _mm256_setr_ps(0., 0., 0., 0., 0., -c, -1., -c);
    let (r, i) = cmul(r, i, wr, wi);
    let s = _mm256_setr_ps(1., 1., 1., 1., -1., -1., -1., -1.);
    let r = _mm256_fmadd_ps(r, s, _mm256_permute2f128_ps::<0x01>(r, r));
    let i = _mm256_fmadd_ps(i, s, _mm256_permute2f128_ps::<0x01>(i, i));
    (r, i)
}

/// The first 3 (blocks of 8) or 4 (blocks of 16) radix-2 stages.
#[target_feature(enable = "avx2,fma")]
pub(super) fn base_pass(re: &mut [f32], im: &mut [f32], base_log2: u32, w16_re: &[f32; 8], w16_im: &[f32; 8]) {
    let n = re.len();
    let block = 1usize << base_log2;
    assert!(im.len() == n && n % block == 0 && (block == 8 || block == 16));
    let (r, i) = (re.as_mut_ptr(), im.as_mut_ptr());
    // SAFETY: w16_re/w16_im are exactly 8 floats.
    let (wr, wi) = unsafe { (_mm256_loadu_ps(w16_re.as_ptr()), _mm256_loadu_ps(w16_im.as_ptr())) };
    for p in (0..n).step_by(block) {
        // SAFETY: p + block <= n (n is a multiple of block), so p..p+block is inside re and im.
        unsafe {
            let (ar, ai) = dft8(_mm256_loadu_ps(r.add(p)), _mm256_loadu_ps(i.add(p)));
            if block == 8 {
                _mm256_storeu_ps(r.add(p), ar);
                _mm256_storeu_ps(i.add(p), ai);
                continue;
            }
            // h = 8: second half times w16^j.
            let (br, bi) = dft8(_mm256_loadu_ps(r.add(p + 8)), _mm256_loadu_ps(i.add(p + 8)));
            let (tr, ti) = cmul(br, bi, wr, wi);
            _mm256_storeu_ps(r.add(p), _mm256_add_ps(ar, tr));
            _mm256_storeu_ps(i.add(p), _mm256_add_ps(ai, ti));
            _mm256_storeu_ps(r.add(p + 8), _mm256_sub_ps(ar, tr));
            _mm256_storeu_ps(i.add(p + 8), _mm256_sub_ps(ai, ti));
        }
    }
}

/// One radix-4 DIT pass of quarter size h (h a multiple of 8); see `scalar::radix4`.
#[target_feature(enable = "avx2,fma")]
pub(super) fn radix4(re: &mut [f32], im: &mut [f32], h: usize, tw: &[f32]) {
    let n = re.len();
    assert!(im.len() == n && h % 8 == 0 && n % (4 * h) == 0 && tw.len() == 6 * h);
    let (r, i, w) = (re.as_mut_ptr(), im.as_mut_ptr(), tw.as_ptr());
    for s in (0..n).step_by(4 * h) {
        for j in (0..h).step_by(8) {
            // SAFETY: j + 8 <= h, so the data offsets s + j + {0,h,2h,3h} + 8 <= s + 4h <= n and
            // the twiddle offsets j + {0..5}·h + 8 <= 6h = tw.len().
            unsafe {
                let (pr, pi, pw) = (r.add(s + j), i.add(s + j), w.add(j));
                let ld = |p: *const f32, q: usize| _mm256_loadu_ps(p.add(q * h));
                let (x0r, x0i) = (ld(pr, 0), ld(pi, 0));
                let (t1r, t1i) = cmul(ld(pr, 1), ld(pi, 1), ld(pw, 2), ld(pw, 3));
                let (t2r, t2i) = cmul(ld(pr, 2), ld(pi, 2), ld(pw, 0), ld(pw, 1));
                let (t3r, t3i) = cmul(ld(pr, 3), ld(pi, 3), ld(pw, 4), ld(pw, 5));
                let (ar, ai) = (_mm256_add_ps(x0r, t1r), _mm256_add_ps(x0i, t1i));
                let (br, bi) = (_mm256_sub_ps(x0r, t1r), _mm256_sub_ps(x0i, t1i));
                let (cr, ci) = (_mm256_add_ps(t2r, t3r), _mm256_add_ps(t2i, t3i));
                let (dr, di) = (_mm256_sub_ps(t2r, t3r), _mm256_sub_ps(t2i, t3i));
                _mm256_storeu_ps(pr, _mm256_add_ps(ar, cr));
                _mm256_storeu_ps(pi, _mm256_add_ps(ai, ci));
                _mm256_storeu_ps(pr.add(2 * h), _mm256_sub_ps(ar, cr));
                _mm256_storeu_ps(pi.add(2 * h), _mm256_sub_ps(ai, ci));
                // b ∓ i·d
                _mm256_storeu_ps(pr.add(h), _mm256_add_ps(br, di));
                _mm256_storeu_ps(pi.add(h), _mm256_sub_ps(bi, dr));
                _mm256_storeu_ps(pr.add(3 * h), _mm256_sub_ps(br, di));
                _mm256_storeu_ps(pi.add(3 * h), _mm256_add_ps(bi, dr));
            }
        }
    }
}

/// The real split (`RealFft::split_bin`) for bins 1..=m-8, 8 at a time, pairing k with a
/// lane-reversed load of Z[m-k]; bin 0 and the last 8 bins (which wrap to Z[0]) go scalar.
#[target_feature(enable = "avx2,fma")]
pub(super) fn split<const POWER: bool>(plan: &RealFft, zr: &[f32], zi: &[f32], a: &mut [f32], b: &mut [f32]) {
    let m = zr.len();
    assert!(zi.len() == m && m % 8 == 0 && a.len() == m + 1 && (POWER || b.len() == m + 1));
    assert!(plan.split_re.len() == m + 1 && plan.split_im.len() == m + 1);
    let (pzr, pzi, pa, pb) = (zr.as_ptr(), zi.as_ptr(), a.as_mut_ptr(), b.as_mut_ptr());
    let (ptr, pti) = (plan.split_re.as_ptr(), plan.split_im.as_ptr());
    let reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let half = _mm256_set1_ps(0.5);
    let mut k = 1;
    while k + 8 <= m {
        // SAFETY: k + 8 <= m bounds the loads of zr/zi (len m), split twiddles and outputs
        // (len m + 1); the partner block m-k-7 .. m-k+1 starts at >= 1 and ends at <= m - 1 + 1.
        // b is only touched when !POWER, where its length is m + 1.
        unsafe {
            let (ar, ai) = (_mm256_loadu_ps(pzr.add(k)), _mm256_loadu_ps(pzi.add(k)));
            let br = _mm256_permutevar8x32_ps(_mm256_loadu_ps(pzr.add(m - k - 7)), reverse);
            let bi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(pzi.add(m - k - 7)), reverse);
            // bi is Im Z[m-k]; conj(Z[m-k]) has -bi.
            let er = _mm256_mul_ps(half, _mm256_add_ps(ar, br));
            let ei = _mm256_mul_ps(half, _mm256_sub_ps(ai, bi));
            let (dr, di) = (_mm256_sub_ps(ar, br), _mm256_add_ps(ai, bi));
            let (tr, ti) = (_mm256_loadu_ps(ptr.add(k)), _mm256_loadu_ps(pti.add(k)));
            let xr = _mm256_fmadd_ps(tr, dr, _mm256_fnmadd_ps(ti, di, er));
            let xi = _mm256_fmadd_ps(tr, di, _mm256_fmadd_ps(ti, dr, ei));
            if POWER {
                _mm256_storeu_ps(pa.add(k), _mm256_fmadd_ps(xr, xr, _mm256_mul_ps(xi, xi)));
            } else {
                _mm256_storeu_ps(pa.add(k), xr);
                _mm256_storeu_ps(pb.add(k), xi);
            }
        }
        k += 8;
    }
    for k in std::iter::once(0).chain(k..=m) {
        let (xr, xi) = plan.split_bin(zr, zi, k);
        if POWER {
            a[k] = xr * xr + xi * xi;
        } else {
            a[k] = xr;
            b[k] = xi;
        }
    }
}
