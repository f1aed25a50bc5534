#!/usr/bin/env python3
"""Dumps every row of an Auralis library database to JSON, read with Python's own sqlite3 module.

The dump is the independent truth of ReleaseDatabaseMigrationTests: it is taken from the fixture
as the released build wrote it, by another SQLite client than the one under test, and the test
checks that every row and column in it is still there, with the same value and storage class,
after the current build has opened and migrated a copy.

Usage: dump-rows.py LIBRARY.db > rows.json
"""
import json
import re
import sqlite3
import sys


def main(path):
    # Immutable: no -wal or -shm file is created next to a fixture that was closed cleanly.
    db = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    dump = {"sqlite_version": sqlite3.sqlite_version, "indexes": [], "tables": {}}
    dump["indexes"] = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        columns = [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]
        key = ", ".join(f'"{c}"' for c in columns)
        rows = []
        for row in db.execute(f'SELECT {key} FROM "{table}" ORDER BY {key}'):
            for value in row:
                if isinstance(value, bytes):
                    raise SystemExit(f"{table}: BLOB values are not dumped (the schema has none)")
                if isinstance(value, float) and value != value or value in (float("inf"), float("-inf")):
                    raise SystemExit(f"{table}: non-finite REAL values are not dumped")
            rows.append(list(row))
        dump["tables"][table] = {"columns": columns, "rows": rows}
    # Python writes a REAL with a '.' or an exponent and an INTEGER without: the storage class
    # survives the JSON, and repr() round-trips every double exactly.
    # One row per line, so a diff of the dump reads row by row.
    text = json.dumps(dump, ensure_ascii=False, indent=1)
    text = re.sub(r"\[\n\s+([^\[\]{}]*?)\n\s+\]", lambda m: "[" + re.sub(r",\n\s+", ", ", m.group(1)) + "]", text)
    sys.stdout.write(text + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(sys.argv[1])
