"""Cut the samples of KenLM's reference ARPA files that tests/test_lmplz.py compares with.

As make_srilm_arpa_samples.py does: a sample keeps the reference's `\\data\\` section and the
lines of the n-grams whose first word falls in a fixed 1/32 of the vocabulary (half of
make_reference_samples.py's 1/16, to keep the files small). The lmplz stderr files, whose
`Statistics:` blocks hold the discounts, are copied whole. en/o3 is kept in full already
(tests/data/reference/en/kenlm/o3.arpa.gz). Run from the repository root:

    python tests/make_kenlm_arpa_samples.py ../shared/reference
"""

import shutil
import sys
import zlib
from pathlib import Path

from make_reference_samples import DATA
from make_srilm_arpa_samples import cut_arpa

NAMES = ("o3", "o4", "o5", "o4-prune011")


def sampled(first_word):
    return zlib.crc32(first_word.encode("utf-8")) % 32 == 0


def main(reference):
    reference = Path(reference)
    for lang in ("en", "zh"):
        (DATA / lang / "kenlm").mkdir(parents=True, exist_ok=True)
        for name in NAMES:
            shutil.copyfile(reference / lang / "kenlm" / f"{name}.stderr.txt",
                            DATA / lang / "kenlm" / f"{name}.stderr.txt")
            if (lang, name) != ("en", "o3"):
                cut_arpa(reference / lang / "kenlm" / f"{name}.arpa.gz",
                         DATA / lang / "kenlm" / f"{name}.sample.arpa.gz", sampled)


if __name__ == "__main__":
    main(sys.argv[1])
