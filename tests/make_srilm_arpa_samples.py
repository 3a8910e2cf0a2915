"""Cut the samples of SRILM's reference ARPA files that tests/test_estimate_srilm.py compares with.

A sample keeps the reference's `\\data\\` section (the full n-gram counts) and, under each
`\\k-grams:` header, the lines of the n-grams whose first word falls in the fixed 1/16 of
the vocabulary that make_reference_samples.py samples (CRC-32 of the word). It also copies
the vocabulary file the -vocab configurations use. Run from the repository root:

    python tests/make_srilm_arpa_samples.py ../shared/reference
"""

import gzip
import shutil
import sys
from pathlib import Path

from make_reference_samples import DATA, sampled

CONFIGS = ("mkn3", "mkn3-backoff", "mkn3-nocut", "mkn3-unk-vocab", "mkn3-limit-vocab", "mkn4",
           "mkn5-nocut", "ukn3", "gt3", "gt3-cut", "wb3", "wb3-backoff", "abs3", "add3",
           "mkn2-text-counts")


def cut_arpa(source, target, keep=sampled):
    """The \\data\\ section, section headers and the n-grams whose first word `keep` accepts."""
    kept = []
    in_data = True
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            if line.startswith("\\") and line.strip() != "\\data\\":
                in_data = False
            if in_data or line.startswith("\\") or not line.strip():
                kept.append(line)
            elif keep(line.rstrip("\n").split("\t")[1].split(" ")[0]):
                kept.append(line)
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write("".join(kept).encode("utf-8"))


def main(reference):
    reference = Path(reference)
    for lang in ("en", "zh"):
        (DATA / lang / "srilm").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reference / lang / "vocab-top2000.txt", DATA / lang / "vocab-top2000.txt")
        for name in CONFIGS:
            cut_arpa(reference / lang / "srilm" / f"{name}.arpa.gz",
                     DATA / lang / "srilm" / f"{name}.sample.arpa.gz")


if __name__ == "__main__":
    main(sys.argv[1])
