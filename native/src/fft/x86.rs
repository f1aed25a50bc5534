//! AVX2+FMA passes: the algorithm of `scalar`, 8 f32 lanes per vector.
//!
//! Every function here is a safe `#[target_feature]` fn: the only obligation, that the CPU has
//! AVX2 and FMA, is discharged once at the call in `RealFft::run`. Inside, only the unaligned
//! loads/stores are unsafe; they go through `ld`/`st` (bounds-checked slices) except in the hot
//! radix-4 loop, which asserts its bounds once up front and uses raw pointers.

use std::arch::x86_64::*;
use std::array::from_fn;
use std::f32::consts::FRAC_1_SQRT_2;

use super::{scalar, RealFft, REV3};

/// 8 complex values, structure-of-arrays.
#[derive(Clone, Copy)]
struct C {
    r: __m256,
    i: __m256,
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn ld(s: &[f32]) -> __m256 {
    let s = &s[..8];
    // SAFETY: s holds 8 floats; loadu has no alignment requirement.
    unsafe { _mm256_loadu_ps(s.as_ptr()) }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn st(s: &mut [f32], v: __m256) {
    let s = &mut s[..8];
    // SAFETY: s holds 8 floats; storeu has no alignment requirement.
    unsafe { _mm256_storeu_ps(s.as_mut_ptr(), v) }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn cadd(a: C, b: C) -> C {
    C {
        r: _mm256_add_ps(a.r, b.r),
        i: _mm256_add_ps(a.i, b.i),
    }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn csub(a: C, b: C) -> C {
    C {
        r: _mm256_sub_ps(a.r, b.r),
        i: _mm256_sub_ps(a.i, b.i),
    }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn cmul(a: C, b: C) -> C {
    C {
        r: _mm256_fmsub_ps(a.r, b.r, _mm256_mul_ps(a.i, b.i)),
        i: _mm256_fmadd_ps(a.r, b.i, _mm256_mul_ps(a.i, b.r)),
    }
}

/// (a - i·b, a + i·b): the butterfly whose twiddle is -i.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn add_sub_neg_i(a: C, b: C) -> (C, C) {
    (
        C {
            r: _mm256_add_ps(a.r, b.i),
            i: _mm256_sub_ps(a.i, b.r),
        },
        C {
            r: _mm256_sub_ps(a.r, b.i),
            i: _mm256_add_ps(a.i, b.r),
        },
    )
}

/// Complex FFT of the packed input into (zr, zi), then the real split into `a`/`b`.
#[target_feature(enable = "avx2,fma")]
pub(super) fn transform<const POWER: bool>(
    plan: &RealFft,
    input: &[f32],
    zr: &mut [f32],
    zi: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
) {
    if zr.len() >> plan.base_log2 < 8 {
        // n < 256: fewer than 8 base blocks to spread over the lanes; not worth a kernel.
        scalar::small_base(plan, input, zr, zi);
    } else {
        load_base(plan, input, zr, zi);
    }
    for (h, tw) in plan.passes() {
        radix4(zr, zi, h, tw);
    }
    split::<POWER>(plan, zr, zi, a, b);
}

/// Lane-wise 8-point DFT of x[0..8] (natural order in and out): radix-2 over two DFT4s.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn dft8(x: [C; 8]) -> [C; 8] {
    let e = dft4([x[0], x[2], x[4], x[6]]);
    let o = dft4([x[1], x[3], x[5], x[7]]);
    // o[f] · w8^f: w8^1 = c(1 - i), w8^2 = -i, w8^3 = -c(1 + i).
    let c = _mm256_set1_ps(FRAC_1_SQRT_2);
    let (s1, d1) = (_mm256_add_ps(o[1].r, o[1].i), _mm256_sub_ps(o[1].i, o[1].r));
    let (s3, d3) = (_mm256_add_ps(o[3].r, o[3].i), _mm256_sub_ps(o[3].i, o[3].r));
    let t1 = C {
        r: _mm256_mul_ps(c, s1),
        i: _mm256_mul_ps(c, d1),
    };
    let t3 = C {
        r: _mm256_mul_ps(c, d3),
        i: _mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(c, s3)),
    };
    let (y2, y6) = add_sub_neg_i(e[2], o[2]);
    [
        cadd(e[0], o[0]),
        cadd(e[1], t1),
        y2,
        cadd(e[3], t3),
        csub(e[0], o[0]),
        csub(e[1], t1),
        y6,
        csub(e[3], t3),
    ]
}

#[target_feature(enable = "avx2,fma")]
#[inline]
fn dft4(x: [C; 4]) -> [C; 4] {
    let (s0, d0) = (cadd(x[0], x[2]), csub(x[0], x[2]));
    let (s1, d1) = (cadd(x[1], x[3]), csub(x[1], x[3]));
    let (y1, y3) = add_sub_neg_i(d0, d1);
    [cadd(s0, s1), y1, csub(s0, s1), y3]
}

/// 8×8 transpose: out[p] lane f = v[f] lane p.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn transpose8(v: [__m256; 8]) -> [__m256; 8] {
    let t: [__m256; 8] = from_fn(|k| {
        let (a, b) = (v[k & !1], v[k | 1]);
        if k % 2 == 0 {
            _mm256_unpacklo_ps(a, b)
        } else {
            _mm256_unpackhi_ps(a, b)
        }
    });
    // u[4g + 2h + s] = lanes {2h+s, 2h+s+4} of rows 4g..4g+4
    let u: [__m256; 8] = from_fn(|k| {
        let (g, h, s) = (k / 4, (k / 2) % 2, k % 2);
        let (a, b) = (t[4 * g + h], t[4 * g + 2 + h]);
        if s == 0 {
            _mm256_shuffle_ps::<0x44>(a, b)
        } else {
            _mm256_shuffle_ps::<0xEE>(a, b)
        }
    });
    from_fn(|p| {
        let (a, b) = (u[p % 4], u[4 + p % 4]);
        if p < 4 {
            _mm256_permute2f128_ps::<0x20>(a, b)
        } else {
            _mm256_permute2f128_ps::<0x31>(a, b)
        }
    })
}

/// 8 packed complex points x[2p..2p+16] as C. Lanes come out in order LANE (see `load_base`).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn ld_deinterleave(x: &[f32]) -> C {
    let (lo, hi) = (ld(x), ld(&x[8..]));
    C {
        r: _mm256_shuffle_ps::<0x88>(lo, hi),
        i: _mm256_shuffle_ps::<0xDD>(lo, hi),
    }
}

/// Lane p of `ld_deinterleave` holds point p' = LANE[p] (shuffle_ps works within 128-bit halves).
const LANE: [usize; 8] = [0, 1, 4, 5, 2, 3, 6, 7];

/// Bit-reversed load fused with the base stages; see `scalar::load_base` for the index algebra.
/// Lane p works on the block whose first input is z[c0 + LANE[p]], then one 8×8 transpose per
/// 8 outputs turns lanes back into contiguous blocks.
#[target_feature(enable = "avx2,fma")]
fn load_base(plan: &RealFft, x: &[f32], zr: &mut [f32], zi: &mut [f32]) {
    let m = zr.len();
    let block = 1usize << plan.base_log2;
    let stride = m / block;
    assert!(
        x.len() == 2 * m
            && zi.len() == m
            && stride.is_multiple_of(8)
            && (block == 8 || block == 16)
    );
    let offs = LANE.map(|j| REV3[j] * (m / 8));
    let w16: [C; 8] = from_fn(|f| C {
        r: _mm256_set1_ps(plan.base_re[f]),
        i: _mm256_set1_ps(plan.base_im[f]),
    });
    for c0 in (0..stride).step_by(8) {
        let start = plan.rev[c0] as usize;
        let load = |q: usize| ld_deinterleave(&x[2 * (c0 + q * stride)..]);
        if block == 8 {
            store_blocks(zr, zi, start, &offs, dft8(from_fn(load)));
        } else {
            // DFT16 = DFT8(even q) ± w16^f · DFT8(odd q)
            let e = dft8(from_fn(|q| load(2 * q)));
            let o = dft8(from_fn(|q| load(2 * q + 1)));
            let t: [C; 8] = from_fn(|f| cmul(o[f], w16[f]));
            store_blocks(zr, zi, start, &offs, from_fn(|f| cadd(e[f], t[f])));
            store_blocks(zr, zi, start + 8, &offs, from_fn(|f| csub(e[f], t[f])));
        }
    }
}

/// Lane p of y[0..8] is 8 consecutive outputs of the block at start + offs[p].
#[target_feature(enable = "avx2,fma")]
#[inline]
fn store_blocks(zr: &mut [f32], zi: &mut [f32], start: usize, offs: &[usize; 8], y: [C; 8]) {
    let (r, i) = (transpose8(y.map(|c| c.r)), transpose8(y.map(|c| c.i)));
    for p in 0..8 {
        st(&mut zr[start + offs[p]..], r[p]);
        st(&mut zi[start + offs[p]..], i[p]);
    }
}

/// One radix-4 DIT pass of quarter size h (h a multiple of 8); see `scalar::radix4`.
#[target_feature(enable = "avx2,fma")]
fn radix4(re: &mut [f32], im: &mut [f32], h: usize, tw: &[f32]) {
    let n = re.len();
    assert!(im.len() == n && h.is_multiple_of(8) && n.is_multiple_of(4 * h) && tw.len() == 6 * h);
    let (r, i, w) = (re.as_mut_ptr(), im.as_mut_ptr(), tw.as_ptr());
    for s in (0..n).step_by(4 * h) {
        for j in (0..h).step_by(8) {
            // SAFETY: j + 8 <= h, so the data offsets s + j + {0,h,2h,3h} + 8 <= s + 4h <= n and
            // the twiddle offsets 6j + {0..5}·8 + 8 <= 6h = tw.len() (assert above).
            unsafe {
                let (pr, pi, pw) = (r.add(s + j), i.add(s + j), w.add(6 * j));
                let x = |q: usize| C {
                    r: _mm256_loadu_ps(pr.add(q * h)),
                    i: _mm256_loadu_ps(pi.add(q * h)),
                };
                let w = |q: usize| C {
                    r: _mm256_loadu_ps(pw.add(16 * q)),
                    i: _mm256_loadu_ps(pw.add(16 * q + 8)),
                };
                let t1 = cmul(x(1), w(1));
                let t2 = cmul(x(2), w(0));
                let t3 = cmul(x(3), w(2));
                let (a, b) = (cadd(x(0), t1), csub(x(0), t1));
                let (c, d) = (cadd(t2, t3), csub(t2, t3));
                let (y1, y3) = add_sub_neg_i(b, d);
                for (q, y) in [cadd(a, c), y1, csub(a, c), y3].into_iter().enumerate() {
                    _mm256_storeu_ps(pr.add(q * h), y.r);
                    _mm256_storeu_ps(pi.add(q * h), y.i);
                }
            }
        }
    }
}

/// The real split (`RealFft::split_bin`) for bins k and m-k together, k = 1.. in steps of 8:
/// both need A = Z[k] and B = conj(Z[m-k]), and X[m-k] = conj(E - T) where X[k] = E + T.
#[target_feature(enable = "avx2,fma")]
fn split<const POWER: bool>(plan: &RealFft, zr: &[f32], zi: &[f32], a: &mut [f32], b: &mut [f32]) {
    let m = zr.len();
    assert!(zi.len() == m && a.len() == m + 1 && (POWER || b.len() == m + 1));
    let reverse = _mm256_setr_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    let rev = |v: __m256| _mm256_permutevar8x32_ps(v, reverse);
    let half = _mm256_set1_ps(0.5);
    let mut k = 1;
    while k + 8 <= m / 2 {
        let j = m - k - 7; // lane l of the reversed partner load is Z[m-k-l]
        let (ar, ai) = (ld(&zr[k..]), ld(&zi[k..]));
        let (br, bi) = (rev(ld(&zr[j..])), rev(ld(&zi[j..])));
        // bi is Im Z[m-k]; conj(Z[m-k]) has -bi.
        let e = C {
            r: _mm256_mul_ps(half, _mm256_add_ps(ar, br)),
            i: _mm256_mul_ps(half, _mm256_sub_ps(ai, bi)),
        };
        let d = C {
            r: _mm256_sub_ps(ar, br),
            i: _mm256_add_ps(ai, bi),
        };
        let t = cmul(
            C {
                r: ld(&plan.split_re[k..]),
                i: ld(&plan.split_im[k..]),
            },
            d,
        );
        let (x, y) = (cadd(e, t), csub(e, t)); // X[m-k] = conj(y)
        if POWER {
            let pow = |c: C| _mm256_fmadd_ps(c.r, c.r, _mm256_mul_ps(c.i, c.i));
            st(&mut a[k..], pow(x));
            st(&mut a[j..], rev(pow(y)));
        } else {
            st(&mut a[k..], x.r);
            st(&mut b[k..], x.i);
            st(&mut a[j..], rev(y.r));
            st(&mut b[j..], rev(_mm256_sub_ps(_mm256_setzero_ps(), y.i)));
        }
        k += 8;
    }
    plan.split_remaining::<POWER>(zr, zi, a, b, k);
}
