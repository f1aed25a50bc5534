//! Portable passes: the reference path, and the only one off x86_64.
//!
//! Same structure as `x86`, with [f32; 8] arrays standing in for vectors: loading all operands
//! into local arrays before storing lets the compiler vectorize them (SSE2/NEON) without the
//! runtime alias checks that loops over several `&mut` sub-slices would need.

use std::array::from_fn;
use std::f32::consts::FRAC_1_SQRT_2;

use super::{RealFft, REV3};

type V = [f32; 8];

/// 8 complex values, structure-of-arrays.
#[derive(Clone, Copy)]
struct C {
    r: V,
    i: V,
}

fn ld(s: &[f32]) -> V {
    s[..8].try_into().unwrap()
}

fn st(s: &mut [f32], v: V) {
    s[..8].copy_from_slice(&v);
}

fn map2(a: V, b: V, f: impl Fn(f32, f32) -> f32) -> V {
    from_fn(|l| f(a[l], b[l]))
}

fn cadd(a: C, b: C) -> C {
    C {
        r: map2(a.r, b.r, |x, y| x + y),
        i: map2(a.i, b.i, |x, y| x + y),
    }
}

fn csub(a: C, b: C) -> C {
    C {
        r: map2(a.r, b.r, |x, y| x - y),
        i: map2(a.i, b.i, |x, y| x - y),
    }
}

fn cmul(a: C, b: C) -> C {
    C {
        r: from_fn(|l| a.r[l] * b.r[l] - a.i[l] * b.i[l]),
        i: from_fn(|l| a.r[l] * b.i[l] + a.i[l] * b.r[l]),
    }
}

/// (a - i·b, a + i·b): the butterfly whose twiddle is -i.
fn add_sub_neg_i(a: C, b: C) -> (C, C) {
    (
        C {
            r: map2(a.r, b.i, |x, y| x + y),
            i: map2(a.i, b.r, |x, y| x - y),
        },
        C {
            r: map2(a.r, b.i, |x, y| x - y),
            i: map2(a.i, b.r, |x, y| x + y),
        },
    )
}

/// Complex FFT of the packed input into (zr, zi), then the real split into `a`/`b`.
pub(super) fn transform<const POWER: bool>(
    plan: &RealFft,
    input: &[f32],
    zr: &mut [f32],
    zi: &mut [f32],
    a: &mut [f32],
    b: &mut [f32],
) {
    if zr.len() >> plan.base_log2 < 8 {
        small_base(plan, input, zr, zi);
    } else {
        load_base(plan, input, zr, zi);
    }
    for (h, tw) in plan.passes() {
        radix4(zr, zi, h, tw);
    }
    split::<POWER>(plan, zr, zi, a, b);
}

/// Lane-wise 8-point DFT of x[0..8] (natural order in and out): radix-2 over two DFT4s.
#[inline]
fn dft8(x: [C; 8]) -> [C; 8] {
    let e = dft4([x[0], x[2], x[4], x[6]]);
    let o = dft4([x[1], x[3], x[5], x[7]]);
    // o[f] · w8^f: w8^1 = c(1 - i), w8^2 = -i, w8^3 = -c(1 + i).
    let c = FRAC_1_SQRT_2;
    let t1 = C {
        r: map2(o[1].r, o[1].i, |r, i| c * (r + i)),
        i: map2(o[1].r, o[1].i, |r, i| c * (i - r)),
    };
    let t3 = C {
        r: map2(o[3].r, o[3].i, |r, i| c * (i - r)),
        i: map2(o[3].r, o[3].i, |r, i| -c * (r + i)),
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

#[inline]
fn dft4(x: [C; 4]) -> [C; 4] {
    let (s0, d0) = (cadd(x[0], x[2]), csub(x[0], x[2]));
    let (s1, d1) = (cadd(x[1], x[3]), csub(x[1], x[3]));
    let (y1, y3) = add_sub_neg_i(d0, d1);
    [cadd(s0, s1), y1, csub(s0, s1), y3]
}

/// The bit-reversed load fused with the first log2(B) radix-2 stages (B = 8 or 16 = block).
///
/// After those stages, block b (positions B·b .. B·b+B) holds the natural-order DFT_B of
/// z[c + q·m/B], q = 0..B, where c = rev(B·b) (reversal over log2 m bits). So block b is computed
/// straight from the input, for 8 consecutive c at once (one per lane): c = c0 + p puts the block
/// at rev(c0) + rev(p) = rev[c0] + REV3[p]·m/8.
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
    let offs = REV3.map(|j| j * (m / 8));
    let w16: [C; 8] = from_fn(|f| C {
        r: [plan.base_re[f]; 8],
        i: [plan.base_im[f]; 8],
    });
    let store = |zr: &mut [f32], zi: &mut [f32], start: usize, y: [C; 8]| {
        for (p, &off) in offs.iter().enumerate() {
            st(&mut zr[start + off..], from_fn(|f| y[f].r[p]));
            st(&mut zi[start + off..], from_fn(|f| y[f].i[p]));
        }
    };
    for c0 in (0..stride).step_by(8) {
        let start = plan.rev[c0] as usize;
        let load = |q: usize| {
            let p = &x[2 * (c0 + q * stride)..][..16];
            C {
                r: from_fn(|l| p[2 * l]),
                i: from_fn(|l| p[2 * l + 1]),
            }
        };
        if block == 8 {
            store(zr, zi, start, dft8(from_fn(load)));
        } else {
            // DFT16 = DFT8(even q) ± w16^f · DFT8(odd q)
            let e = dft8(from_fn(|q| load(2 * q)));
            let o = dft8(from_fn(|q| load(2 * q + 1)));
            let t: [C; 8] = from_fn(|f| cmul(o[f], w16[f]));
            store(zr, zi, start, from_fn(|f| cadd(e[f], t[f])));
            store(zr, zi, start + 8, from_fn(|f| csub(e[f], t[f])));
        }
    }
}

/// The same first stages for n < 256, where there are fewer than 8 blocks to put in lanes:
/// a plain bit-reversed load, then radix-2 stages h = 1 .. B/2.
pub(super) fn small_base(plan: &RealFft, x: &[f32], zr: &mut [f32], zi: &mut [f32]) {
    for ((r, i), &s) in zr.iter_mut().zip(zi.iter_mut()).zip(&plan.rev) {
        let s = 2 * s as usize;
        (*r, *i) = (x[s], x[s + 1]);
    }
    for s in 0..plan.base_log2 {
        let h = 1 << s;
        // twiddle w_{2h}^j = w16^(j·8/h)
        let stride = 8 / h;
        for (cr, ci) in zr.chunks_exact_mut(2 * h).zip(zi.chunks_exact_mut(2 * h)) {
            for j in 0..h {
                let (wr, wi) = (plan.base_re[j * stride], plan.base_im[j * stride]);
                let (tr, ti) = (
                    cr[j + h] * wr - ci[j + h] * wi,
                    cr[j + h] * wi + ci[j + h] * wr,
                );
                let (ur, ui) = (cr[j], ci[j]);
                (cr[j], ci[j]) = (ur + tr, ui + ti);
                (cr[j + h], ci[j + h]) = (ur - tr, ui - ti);
            }
        }
    }
}

/// One radix-4 DIT pass of quarter size h (two radix-2 stages; h a multiple of 8).
/// The quarters x0..x3 of each 4h block are the sub-DFTs of residues 0, 2, 1, 3 (bit-reversed
/// order), so x1 takes twiddle w^2j, x2 takes w^j and x3 takes w^3j, with w = w_{4h}.
fn radix4(re: &mut [f32], im: &mut [f32], h: usize, tw: &[f32]) {
    let n = re.len();
    assert!(im.len() == n && h.is_multiple_of(8) && n.is_multiple_of(4 * h) && tw.len() == 6 * h);
    for s in (0..n).step_by(4 * h) {
        for j in (0..h).step_by(8) {
            let x = |q: usize| C {
                r: ld(&re[s + j + q * h..]),
                i: ld(&im[s + j + q * h..]),
            };
            let w = |q: usize| C {
                r: ld(&tw[6 * j + 16 * q..]),
                i: ld(&tw[6 * j + 16 * q + 8..]),
            };
            let t1 = cmul(x(1), w(1));
            let t2 = cmul(x(2), w(0));
            let t3 = cmul(x(3), w(2));
            let (a, b) = (cadd(x(0), t1), csub(x(0), t1));
            let (c, d) = (cadd(t2, t3), csub(t2, t3));
            let (y1, y3) = add_sub_neg_i(b, d);
            for (q, y) in [cadd(a, c), y1, csub(a, c), y3].into_iter().enumerate() {
                st(&mut re[s + j + q * h..], y.r);
                st(&mut im[s + j + q * h..], y.i);
            }
        }
    }
}

/// The real split (`RealFft::split_bin`) for bins k and m-k together, k = 1.. in steps of 8:
/// both need A = Z[k] and B = conj(Z[m-k]), and X[m-k] = conj(E - T) where X[k] = E + T.
fn split<const POWER: bool>(plan: &RealFft, zr: &[f32], zi: &[f32], a: &mut [f32], b: &mut [f32]) {
    let m = zr.len();
    assert!(zi.len() == m && a.len() == m + 1 && (POWER || b.len() == m + 1));
    let rev = |v: V| from_fn(|l| v[7 - l]);
    let mut k = 1;
    while k + 8 <= m / 2 {
        let j = m - k - 7; // lane l of the reversed partner load is Z[m-k-l]
        let (ar, ai) = (ld(&zr[k..]), ld(&zi[k..]));
        let (br, bi): (V, V) = (rev(ld(&zr[j..])), rev(ld(&zi[j..])));
        // bi is Im Z[m-k]; conj(Z[m-k]) has -bi.
        let e = C {
            r: map2(ar, br, |x, y| 0.5 * (x + y)),
            i: map2(ai, bi, |x, y| 0.5 * (x - y)),
        };
        let d = C {
            r: map2(ar, br, |x, y| x - y),
            i: map2(ai, bi, |x, y| x + y),
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
            let pow = |c: C| map2(c.r, c.i, |r, i| r * r + i * i);
            st(&mut a[k..], pow(x));
            st(&mut a[j..], rev(pow(y)));
        } else {
            st(&mut a[k..], x.r);
            st(&mut b[k..], x.i);
            st(&mut a[j..], rev(y.r));
            st(&mut b[j..], rev(y.i.map(|v| -v)));
        }
        k += 8;
    }
    plan.split_remaining::<POWER>(zr, zi, a, b, k);
}
