"""Cut the small copies of SRILM's pruned and mixed reference models that
tests/test_prune_mix.py compares with. Run from the repository root:

    python tests/make_prune_mix_samples.py ../shared/reference

- `<name>.sample.arpa.gz` for the pruned and mixed models: full `\\data\\` counts and the
  n-grams whose first word is sampled (see make_srilm_arpa_samples.py).
- `wb3.closure.arpa.gz`, the second input of the mix: every unigram, the sampled n-grams and
  all their suffixes. Each sampled n-gram's mixed probability and each sampled context's
  backoff weight depend on nothing else, so mixing with it reproduces the sampled lines.
- The ppl totals of the pruned model.
"""

import gzip
import shutil
import sys
from pathlib import Path

from make_reference_samples import DATA, sampled
from make_srilm_arpa_samples import cut_arpa


def read_lines(path):
    """Per order, the n-gram lines keyed by their words."""
    sections, k = {}, 0
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            stripped = line.rstrip("\n")
            if stripped.endswith("-grams:"):
                k = int(stripped[1:stripped.index("-")])
                sections[k] = {}
            elif k and stripped and not stripped.startswith("\\"):
                sections[k][tuple(stripped.split("\t")[1].split(" "))] = line
    return sections


def cut_closure(source, target):
    sections = read_lines(source)
    order = max(sections)
    keep = {k: set() for k in sections}
    keep[1] = set(sections[1])
    for k in range(2, order + 1):
        for words in sections[k]:
            if sampled(words[0]):
                for start in range(k):
                    suffix = words[start:]
                    if suffix in sections[len(suffix)]:
                        keep[len(suffix)].add(suffix)
    out = ["\n", "\\data\\\n"] + [f"ngram {k}={len(keep[k])}\n" for k in sorted(keep)]
    for k in sorted(keep):
        out.append(f"\n\\{k}-grams:\n")
        out.extend(line for words, line in sections[k].items() if words in keep[k])
    out.append("\n\\end\\\n")
    with gzip.GzipFile(target, "wb", mtime=0) as f:
        f.write("".join(out).encode("utf-8"))


def main(reference):
    reference = Path(reference)
    srilm, target = reference / "en" / "srilm", DATA / "en" / "srilm"
    for name in ("prune-mkn3-1e-6", "mix-mkn3-wb3-0.6"):
        cut_arpa(srilm / f"{name}.arpa.gz", target / f"{name}.sample.arpa.gz")
    shutil.copyfile(srilm / "prune-mkn3-1e-6.ppl0.txt", target / "prune-mkn3-1e-6.ppl0.txt")
    cut_closure(srilm / "wb3.arpa.gz", target / "wb3.closure.arpa.gz")


if __name__ == "__main__":
    main(sys.argv[1])
