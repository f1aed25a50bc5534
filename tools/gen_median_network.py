#!/usr/bin/env python3
"""Generates the compare-exchange network that selects the median of 17 values.

HPSS (docs/fingerprint.md dimension 18) needs two medians of 17 per spectrogram cell, millions per
track, so both extractors use a fixed, branch-free network that vectorizes across bins.
Construction: Batcher's odd-even merge sort for 32 wires, with wires 17..31 padded by +inf
(comparators that touch them never move a value, so they are dropped), then pruned backwards to
the comparators the middle output (wire 8) depends on. The script checks the result on random
inputs and on every 0/1 input (0-1 principle), then prints it for Rust and C#.

Usage: python3 tools/gen_median_network.py   (output is pasted into native/src/analysis/hpss.rs
and src/Auralis.Core/Fingerprinting/Managed/Median17.cs; rerun only if the network ever changes).
"""
import itertools
import random

N = 17
MID = N // 2


def batcher(n):
    pairs = []
    p = 1
    while p < n:
        k = p
        while k >= 1:
            for j in range(k % p, n - k, 2 * k):
                for i in range(min(k, n - j - k)):
                    if (i + j) // (2 * p) == (i + j + k) // (2 * p):
                        pairs.append((i + j, i + j + k))
            k //= 2
        p *= 2
    return pairs


def network():
    full = [(a, b) for (a, b) in batcher(32) if b < N]
    needed = {MID}
    kept = []
    for a, b in reversed(full):
        if a in needed or b in needed:
            kept.append((a, b))
            needed |= {a, b}
    kept.reverse()
    return kept


def apply(net, values):
    v = list(values)
    for a, b in net:
        if v[b] < v[a]:
            v[a], v[b] = v[b], v[a]
    return v[MID]


def check(net):
    rng = random.Random(17)
    for _ in range(20000):
        xs = [rng.random() for _ in range(N)]
        assert apply(net, xs) == sorted(xs)[MID]
    for bits in itertools.product((0, 1), repeat=N):
        assert apply(net, bits) == sorted(bits)[MID]


if __name__ == "__main__":
    net = network()
    check(net)
    print(f"// {len(net)} compare-exchanges")
    print("rust:", " ".join(f"cx!({a},{b});" for a, b in net))
    print("csharp:", " ".join(f"Cx(ref v{a}, ref v{b});" for a, b in net))
