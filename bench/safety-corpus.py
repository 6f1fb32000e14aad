#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/safety-corpus.py N SEED [SHAPE]: writes N records of four message
variants each (urgent, informational, friendly, control), every body 200
words of the approved content in data/content/approved_content/, for
timing cpo-safety. SHAPE "windows" (the default) takes 200 words in a row
from a random place, so that sentences recur as they do in generated
messages; "shuffled" draws each word at random, so that no sentence
recurs. The records are written as the cpo programs write JSON (compact,
UTF-8 as it is), as cpo-generate hands them on. The same N, SEED and SHAPE
give the same file."""
import glob
import json
import random
import sys


def main():
    n, seed = int(sys.argv[1]), int(sys.argv[2])
    shape = sys.argv[3] if len(sys.argv) > 3 else "windows"
    if shape not in ("windows", "shuffled"):
        sys.exit("bench/safety-corpus.py: SHAPE is windows or shuffled")
    words = []
    for path in sorted(glob.glob("data/content/approved_content/*.json")):
        with open(path) as f:
            words += json.load(f)["content"].split()
    rng = random.Random(seed)
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
    for i in range(n):
        variants = []
        for tone in ("urgent", "informational", "friendly", "control"):
            if shape == "windows":
                start = rng.randrange(len(words) - 200)
                body = " ".join(words[start:start + 200])
            else:
                body = " ".join(rng.choice(words) for _ in range(200))
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
