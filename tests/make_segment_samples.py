"""Cut the segmentation samples kept in tests/data/segment from ../shared/corpora/zh.

Every 15th line of the raw Chinese test set goes to raw.txt, with:
- jieba.txt: the tokens plain jieba (its default dictionary, `jieba.cut(line)`,
  HMM on) gives for the line after ngramkit's default normalisation; jieba is
  the reference here, so this file needs jieba 0.42.1 and nothing of ngramkit's
  segmentation;
- reference.txt: the same lines of ../shared/corpora/zh/test.txt.gz (segmented
  by jieba 0.42.1 after that corpus's own normalisation).

Run from the repository root:

    python tests/make_segment_samples.py ../shared/corpora/zh
"""

import gzip
import sys
from pathlib import Path

import jieba

from ngramkit.normalize import normalize_text

DATA = Path(__file__).parent / "data" / "segment"
STEP = 15


def sample(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for index, line in enumerate(f) if index % STEP == 0]


def main(corpus):
    corpus = Path(corpus)
    assert jieba.__version__ == "0.42.1", jieba.__version__
    raw = sample(corpus / "raw" / "test.txt.gz")
    reference = sample(corpus / "test.txt.gz")
    expected = [" ".join(t for t in jieba.cut(normalize_text(line)) if not t.isspace()) for line in raw]
    DATA.mkdir(parents=True, exist_ok=True)
    for name, lines in (("raw.txt", raw), ("jieba.txt", expected), ("reference.txt", reference)):
        (DATA / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
