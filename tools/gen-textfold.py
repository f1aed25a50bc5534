#!/usr/bin/env python3
"""Writes src/Auralis.Library/Database/TextFold.data: the NFKD-without-marks fold of every code
point that has one (docs/database.md, "Search and sort keys").

The .NET build runs with InvariantGlobalization, where string.Normalize does not decompose
(Normalize(FormKD) returns "É" unchanged), so TextFold cannot ask the runtime. This table is
Python's unicodedata: for each code point that is not itself a combining mark, NFKD with the
combining marks (Mn, Mc, Me) removed, when that differs from the code point. Hangul syllables are
left out (their decomposition is algorithmic, and search folds both sides alike without it).

Line format: "<hex code point>;<hex code points of the fold, space-separated>" ("" for none).
Run: python3 tools/gen-textfold.py > src/Auralis.Library/Database/TextFold.data
"""
import sys
import unicodedata

MARKS = ("Mn", "Mc", "Me")
out = sys.stdout
out.write(f"# NFKD without combining marks, Unicode {unicodedata.unidata_version} (tools/gen-textfold.py)\n")
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF or 0xAC00 <= cp <= 0xD7A3:
        continue
    c = chr(cp)
    if unicodedata.category(c) in MARKS:
        continue
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", c) if unicodedata.category(ch) not in MARKS)
    if folded != c:
        out.write(f"{cp:X};{' '.join(f'{ord(ch):X}' for ch in folded)}\n")
