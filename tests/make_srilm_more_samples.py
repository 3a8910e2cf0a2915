"""Cut the small copies of SRILM's `more/` reference outputs that tests/test_srilm_more.py reads.

Per reference model it keeps a sample (the `\\data\\` counts and the n-grams whose first word is
in the fixed 1/16 of the vocabulary, as make_srilm_arpa_samples.py); the ppl outputs and the
vocabulary are copied whole; of -minbackoff's one stderr line per context it keeps the count
(first line) and the lines whose context's most recent word is sampled. It also writes the character-level
Chinese text of the absolute-discounting case: the lines of the shared zh corpus that hold
通货膨, one character per word. Run from the repository root:

    python tests/make_srilm_more_samples.py ../shared
"""

import gzip
import shutil
import sys
from pathlib import Path

from make_reference_samples import sampled
from make_srilm_arpa_samples import cut_arpa

TARGET = Path(__file__).parent / "data" / "srilm_more"
MODELS = ("gt3-bigvocab", "gt3-bigvocab-unk", "mkn3-bigvocab", "wb3-bigvocab", "nosmooth3",
          "nosmooth3-renorm-minbackoff", "gt3-lowprobs", "prune-mkn3-1e-6-minprune3")
COPIES = ("bigvocab.txt",) + tuple(
    f"{m}.{p}.txt" for m in ("gt3-bigvocab", "gt3-bigvocab-unk", "mkn3-bigvocab", "wb3-bigvocab")
    for p in ("ppl0", "ppl2")) + (
    "nosmooth3.ppl0.txt", "nosmooth3.ppl2.txt", "nosmooth3-renorm.ppl0.txt",
    "nosmooth3-renorm-minbackoff.ppl0.txt", "nosmooth3-renorm-minbackoff.arpa-ppl0.txt",
    "gt3-lowprobs.ppl0.txt", "prune-mkn3-1e-6-minprune3.ppl0.txt")
INFLATION = "通货膨"


def context_word(line):
    """The most recent word of the context of an `insufficient backoff mass` line."""
    return line.split('"')[1].split(" ")[0]


def main(shared):
    more = Path(shared) / "reference" / "more" / "en"
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in MODELS:
        cut_arpa(more / f"{name}.arpa.gz", TARGET / f"{name}.sample.arpa.gz")
    for name in COPIES:
        shutil.copyfile(more / name, TARGET / name)
    with gzip.open(more / "nosmooth3-renorm-minbackoff.ppl0-stderr.txt.gz", "rt", encoding="utf-8") as f:
        lines = f.readlines()
    kept = [line for line in lines if sampled(context_word(line))]
    with gzip.GzipFile(TARGET / "nosmooth3-renorm-minbackoff.stderr.sample.txt.gz", "wb", mtime=0) as out:
        out.write((f"{len(lines)}\n" + "".join(kept)).encode("utf-8"))
    with gzip.open(Path(shared) / "corpora" / "zh" / "train.txt.gz", "rt", encoding="utf-8") as f:
        chars = [" ".join(c for c in line.strip() if not c.isspace()) + "\n" for line in f if INFLATION in line.replace(" ", "")]
    (TARGET / "zh-chars-inflation.txt").write_text("".join(chars), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
