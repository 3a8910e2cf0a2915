"""Cut the small reference samples kept in tests/data from ../shared/reference.

A sample keeps the lines of a reference count file whose first word falls in a
fixed 1/16 of the vocabulary (by CRC-32), in the reference's own order, plus the
number of lines of each order in the full file. Run from the repository root:

    python tests/make_reference_samples.py ../shared/reference
"""

import gzip
import json
import shutil
import sys
import zlib
from pathlib import Path

DATA = Path(__file__).parent / "data" / "reference"


def sampled(first_word):
    return zlib.crc32(first_word.encode("utf-8")) % 16 == 0


def cut_counts(source, target):
    kept, sizes = [], {}
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            ngram = line.split("\t")[0].split(" ")
            sizes[len(ngram)] = sizes.get(len(ngram), 0) + 1
            if sampled(ngram[0]):
                kept.append(line)
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write("".join(kept).encode("utf-8"))
    Path(str(target).replace(".sample.txt.gz", ".sizes.json")).write_text(json.dumps(sizes) + "\n")


def main(reference):
    reference = Path(reference)
    for lang in ("en", "zh"):
        (DATA / lang / "srilm").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference / lang / "train.txt.gz", DATA / lang / "train.txt.gz")
        cut_counts(reference / lang / "srilm" / "counts3.txt.gz",
                   DATA / lang / "srilm" / "counts3.sample.txt.gz")


if __name__ == "__main__":
    main(sys.argv[1])
