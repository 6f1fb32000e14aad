#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/safety-corpus.py N SEED: writes N records of four message variants
each (urgent, informational, friendly, control), every body 200 words drawn
from the approved content in data/content/approved_content/, for timing
cpo-safety. The records are written as the cpo programs write JSON
(compact, UTF-8 as it is), as cpo-generate hands them on. The same N and
SEED give the same file."""
import glob
import json
import random
import sys


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    words = []
    for path in sorted(glob.glob("data/content/approved_content/*.json")):
        with open(path) as f:
            words += json.load(f)["content"].split()
    rng = random.Random(seed)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    for i in range(n):
        variants = []
        for tone in ("urgent", "informational", "friendly", "control"):
            start = rng.randrange(len(words) - 200)
            body = " ".join(words[start:start + 200])
            variants.append({"variant_id": "V%d%s" % (i, tone[0]),
                             "customer_id": "C%d" % i, "tone": tone,
                             "subject": "A note for you, customer %d" % i,
                             "body": body})
        out.write(json.dumps({"customer_id": "C%d" % i,
                              "segment": "At-Risk",
                              "variants": variants},
                             separators=(",", ":"),
                             ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
