#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes a customer CSV where one row in ten is broken, for nothing-lost.bats.

    tests/gen-broken-customers.py DIR

DIR/all.csv     200 data rows: 180 good ones and 20 broken in different ways
DIR/good.csv    the same header and the 180 good rows alone, in the same order
DIR/valid.csv   the rows cpo-validate accepts, in the same order: the good
                ones and the 1 MB location, which is valid data that no
                message can hold
DIR/broken.tsv  one line per broken row: its line number in all.csv, the
                program that must reject it (or, for the 1 MB location, the
                one that cannot write its messages), and what is wrong

The rows are the same on every run (a fixed seed), so a failing test can be
replayed by hand.
"""

import os
import random
import sys

HEADER = ("customer_id,age,location,tier,purchase_frequency,avg_order_value,"
          "last_engagement_days,historical_open_rate,historical_click_rate")
CITIES = ["Nashville", "Fort Worth", "New York", "Portland", "Austin",
          "Denver", "Boston", "San José", "Zürich"]
MIB = 1024 * 1024


def good_row(rng, n):
    tier = rng.choice(["Gold", "Silver", "Bronze"])
    opens = rng.randint(5, 90) / 100
    return [f"C{n:07d}", str(rng.randint(18, 80)), rng.choice(CITIES), tier,
            str(rng.randint(0, 40)), f"{rng.randint(1000, 60000) / 100:.2f}",
            str(rng.randint(0, 365)), f"{opens:.2f}",
            f"{rng.randint(0, int(opens * 100)) / 100:.2f}"]


def broken_rows(rng, first_id):
    """(program, what, bytes of the row) for every way a row can be broken.
    first_id is a customer_id that is already in the file."""
    def row(**change):
        r = good_row(rng, 9000000 + rng.randint(0, 999999))
        names = HEADER.split(",")
        for name, value in change.items():
            r[names.index(name)] = value
        return ",".join(r).encode("utf-8", "surrogateescape")
    return [
        ("cpo-validate", "age not a number", row(age="abc")),
        ("cpo-validate", "order value not a number",
         row(avg_order_value="12.5.3")),
        ("cpo-validate", "frequency below range", row(purchase_frequency="-3")),
        ("cpo-validate", "open rate above 1", row(historical_open_rate="1.5")),
        ("cpo-validate", "age below 18", row(age="17")),
        ("cpo-validate", "tier not allowed", row(tier="Platinum")),
        ("cpo-validate", "duplicate id", row(customer_id=first_id)),
        ("cpo-validate", "duplicate id again", row(customer_id=first_id)),
        ("cpo-validate", "text after a closing quote",
         row(location='"Nash"ville')),
        ("cpo-validate", "invalid UTF-8", row(location="Nash\udcffville")),
        ("cpo-validate", "overlong UTF-8",
         row(location="Nash\udcc0\udcafville")),
        ("cpo-validate", "NUL byte", row(location="Nash\0ville")),
        ("cpo-validate", "1 MB age", row(age="1" * MIB)),
        ("cpo-generate", "1 MB location", row(location="N" * MIB)),
        ("cpo-validate", "too few fields", row().rsplit(b",", 1)[0]),
        ("cpo-validate", "too many fields", row() + b",extra"),
        ("cpo-validate", "empty id", row(customer_id="")),
        ("cpo-validate", "empty field", row(last_engagement_days="")),
        ("cpo-validate", "number with a unit", row(age="42 years")),
    ]


def main():
    out = sys.argv[1]
    rng = random.Random(20261127)
    good = [",".join(good_row(rng, n)).encode() for n in range(1, 181)]
    broken = broken_rows(rng, "C0000001")
    # The unterminated quote runs to the end of the input, so it comes last.
    unterminated = ("cpo-validate", "unterminated quote",
                    b'C9999999,40,"Nashville,Gold,1,10.00,1,0.5,0.1')
    rows = []   # (line bytes, broken entry or None)
    for i, line in enumerate(good):
        rows.append((line, None))
        if i % 9 == 4 and broken:
            entry = broken.pop(0)
            rows.append((entry[2], entry))
    rows.append((unterminated[2], unterminated))
    assert not broken and len(rows) == 200
    with open(os.path.join(out, "all.csv"), "wb") as f, \
            open(os.path.join(out, "broken.tsv"), "w") as tsv:
        f.write(HEADER.encode() + b"\n")
        for n, (line, entry) in enumerate(rows, start=2):
            f.write(line + b"\n")
            if entry:
                tsv.write(f"{n}\t{entry[0]}\t{entry[1]}\n")
    with open(os.path.join(out, "good.csv"), "wb") as f:
        f.write(HEADER.encode() + b"\n")
        for line in good:
            f.write(line + b"\n")
    with open(os.path.join(out, "valid.csv"), "wb") as f:
        f.write(HEADER.encode() + b"\n")
        for line, entry in rows:
            if entry is None or entry[0] != "cpo-validate":
                f.write(line + b"\n")


if __name__ == "__main__":
    main()
