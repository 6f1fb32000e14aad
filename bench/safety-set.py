#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/safety-set.py FILE [FORMAT]: writes a labelled set of harmful and
benign texts as the lines "LABEL<tab>TEXT" that bench/run's safety
benchmark reads (LABEL 1 harmful, 0 benign; tabs and line ends in TEXT
become spaces, empty texts are dropped), reading FILE in one of these
shapes, told by FORMAT or else guessed from the file:

  tsv        LABEL<tab>TEXT lines already (copied, checked)
  jigsaw     Jigsaw Toxic Comment Classification CSV (comment_text and
             toxic, severe_toxic, obscene, threat, insult, identity_hate):
             harmful when any of those is 1
  jigsaw-bias  Jigsaw Unintended Bias CSV (comment_text, target):
             harmful when target >= 0.5
  davidson   Davidson et al. hate speech and offensive language CSV (tweet,
             class 0 hate, 1 offensive, 2 neither): harmful unless 2
  hatexplain HateXplain dataset.json (post_tokens, annotators' labels):
             harmful when most annotators did not say "normal"
  csv        any CSV with a text column (text, comment_text, tweet,
             sentence) and a 0/1 label column (label, toxic, hate, class)

A summary (texts, harmful, benign) goes to standard error."""
import csv
import json
import sys

TEXT_COLUMNS = ("text", "comment_text", "tweet", "sentence")
LABEL_COLUMNS = ("label", "toxic", "hate", "class")
JIGSAW_LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult",
                 "identity_hate")


def one_line(text):
    return " ".join(text.replace("\t", " ").split())


def from_tsv(f):
    for n, line in enumerate(f, 1):
        label, sep, text = line.rstrip("\n").partition("\t")
        if not sep or label not in ("0", "1"):
            sys.exit("%s:%d: expected LABEL<tab>TEXT with LABEL 0 or 1"
                     % (f.name, n))
        yield int(label), text


def from_hatexplain(f):
    data = json.load(f)
    for post in data.values():
        votes = [a["label"] for a in post["annotators"]]
        harmful = sum(v != "normal" for v in votes) * 2 > len(votes)
        yield int(harmful), " ".join(post["post_tokens"])


def from_csv(f, shape):
    rows = csv.DictReader(f)
    cols = rows.fieldnames or []
    text = next((c for c in TEXT_COLUMNS if c in cols), None)
    if text is None:
        sys.exit("%s: no text column (one of %s)" % (f.name,
                                                    ", ".join(TEXT_COLUMNS)))
    for row in rows:
        if shape == "jigsaw":
            label = any(float(row[c] or 0) >= 1 for c in JIGSAW_LABELS)
        elif shape == "jigsaw-bias":
            label = float(row["target"]) >= 0.5
        elif shape == "davidson":
            label = row["class"] != "2"
        else:
            col = next((c for c in LABEL_COLUMNS if c in cols), None)
            if col is None:
                sys.exit("%s: no label column (one of %s)"
                         % (f.name, ", ".join(LABEL_COLUMNS)))
            label = float(row[col]) >= 0.5
        yield int(label), row[text]


def guess(path, head):
    if path.endswith(".json"):
        return "hatexplain"
    first = head.splitlines()[0] if head else ""
    if first[:2] in ("0\t", "1\t"):
        return "tsv"
    cols = next(csv.reader([first]), [])
    if all(c in cols for c in JIGSAW_LABELS):
        return "jigsaw"
    if "target" in cols and "comment_text" in cols:
        return "jigsaw-bias"
    if "tweet" in cols and "class" in cols:
        return "davidson"
    return "csv"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: bench/safety-set.py FILE [FORMAT]")
    path = sys.argv[1]
    csv.field_size_limit(1 << 24)
    with open(path, encoding="utf-8", newline="") as f:
        shape = sys.argv[2] if len(sys.argv) == 3 else guess(path, f.read(65536))
        f.seek(0)
        if shape == "tsv":
            pairs = from_tsv(f)
        elif shape == "hatexplain":
            pairs = from_hatexplain(f)
        elif shape in ("jigsaw", "jigsaw-bias", "davidson", "csv"):
            pairs = from_csv(f, shape)
        else:
            sys.exit("unknown FORMAT '%s'" % shape)
        counts = [0, 0]
        out = open(sys.stdout.fileno(), "w", encoding="utf-8", closefd=False)
        for label, text in pairs:
            text = one_line(text)
            if text:
                out.write("%d\t%s\n" % (label, text))
                counts[label] += 1
        out.flush()
    print("%s (%s): %d texts, %d harmful, %d benign"
          % (path, shape, sum(counts), counts[1], counts[0]),
          file=sys.stderr)


if __name__ == "__main__":
    main()
