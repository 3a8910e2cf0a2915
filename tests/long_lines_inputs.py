"""The texts of tests/data/long_lines: lines of the reference texts with lines of just over and
just at SRILM's limit of 50000 tokens per line (maxWordsPerLine) among them, each long line a
few words repeated. They are built here instead of stored (a long line is some 100 KB);
`python tests/long_lines_inputs.py DIR` writes them to DIR."""

import gzip
import itertools
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
LIMIT = 50000  # SRILM's maxWordsPerLine


def repeated(pattern, n):
    """`n` words: the words of `pattern` over and over."""
    return " ".join(itertools.islice(itertools.cycle(pattern.split()), n))


def _reference_lines(name, n):
    with gzip.open(DATA / "reference" / "en" / name, "rt", encoding="utf-8") as f:
        return [line.rstrip("\n") for line in itertools.islice(f, n)]


def training_lines():
    """ngram-count's text: the lines of 50001 tokens (one of words seen nowhere else, one of words
    seen elsewhere, one of 49999 words between <s> and </s>) are passed over, those of 50000
    (one of 49998 words between <s> and </s>) counted."""
    ref = _reference_lines("train.txt.gz", 60)
    return [*ref[:20], "", repeated("x y z", LIMIT + 1), *ref[20:30], repeated("p q r s", LIMIT),
            "<s> " + repeated("u v w", LIMIT - 2) + " </s>", "<s> " + repeated("m n o", LIMIT - 1) + " </s>",
            *ref[30:40], repeated("the of and", LIMIT + 1), *ref[40:60]]


def lmplz_lines():
    """lmplz's text: it counts lines of any length (and refuses <s> and </s> in them)."""
    return [line for line in training_lines() if not line.startswith("<s>")]


def weighted_lines():
    """-text-has-weights text: the weight is one of the line's tokens, so a weight and 50000
    words are one too many; a weight that is no number gets the same warning."""
    ref = _reference_lines("train.txt.gz", 30)
    return [*(f"{1 + i % 3} {line}" for i, line in enumerate(ref[:10])), "2 " + repeated("x y z", LIMIT),
            "1 " + repeated("p q r s", LIMIT - 1), "x1 a b", *(f"2 {line}" for line in ref[10:30])]


def _passed_over_test_lines(kept=()):
    ref = _reference_lines("test.txt.gz", 12)
    return [*ref[:5], "", repeated("the of and", LIMIT + 1), *ref[5:8], *kept,
            "<s> " + repeated("and the", LIMIT - 1) + " </s>", *ref[8:12]]


def ppl_lines():
    """-ppl's text: a 50001-word line of known words and one of 49999 words between <s> and
    </s> are passed over; a 50000-word line with unknown words is scored."""
    return _passed_over_test_lines([repeated("of the king zzzunknown", LIMIT)])


def short_ppl_lines():
    """ppl_lines without the line scored of 50000 words (for -debug 3 and 4, which sum over
    the vocabulary at every word)."""
    return _passed_over_test_lines()


def escaped_lines():
    """-ppl -escape ESC's text: documents of a line passed over only, of a sentence and a line
    passed over, and of nothing; SRILM counts a line passed over as a sentence read, after which
    each escaped line gets the document's totals at -debug 0."""
    ref = _reference_lines("test.txt.gz", 2)
    return ["ESC document 1", repeated("the of and", LIMIT + 1), "ESC document 2", ref[0],
            repeated("of the", LIMIT + 1), "ESC document 3", "ESC document 4", ref[1]]


def hidden_ppl_lines():
    """-hidden-vocab -ppl's text: ppl_lines with the line scored one word shorter (SRILM's
    hidden-event forward pass fails an assertion on a context of more than 50000 words, the
    </s> of a 50000-word line)."""
    return _passed_over_test_lines([repeated("of the king zzzunknown", LIMIT - 1)])


def zero_denominator_lines():
    """-count-lm -ppl's text: short_ppl_lines with sentences starting `it is` between and after
    the lines passed over: the trigram `<s> it is` of zero.counts has a context count of 0, of
    which SRILM warns in the text's order."""
    return [*_passed_over_test_lines(["it is"]), "it is all"]


def weighted_ppl_lines():
    """-ppl -text-has-weights' text: the weight counts toward the limit."""
    ref = _reference_lines("test.txt.gz", 6)
    return [*(f"2 {line}" for line in ref[:3]), "1 " + repeated("the of and", LIMIT), "3 " + repeated("of the", LIMIT - 1),
            *(f"1 {line}" for line in ref[3:6])]


def _count_lines(sentences, order=3):
    """Count lines (`w1 w2<TAB>count`, sorted) of the n-grams of `sentences` up to `order`."""
    counts = {}
    for line in sentences:
        words = ["<s>", *line.split(), "</s>"]
        for n in range(1, order + 1):
            for i in range(len(words) - n + 1):
                ngram = " ".join(words[i:i + n])
                counts[ngram] = counts.get(ngram, 0) + 1
    return [f"{ngram}\t{count}" for ngram, count in sorted(counts.items())]


def ppl_count_lines():
    """ngram -counts' counts (of the first lines of the reference test text) with lines of more
    fields than SRILM's maxNgramOrder (100): 100 words and a count, 50001 words and a count,
    passed over by ngram -counts and ending ngram-count -read's reading; one of 99 words and a
    count is above the order, left out unwarned. An escaped line (-escape ESC) parts two runs
    of counts."""
    ref = _reference_lines("test.txt.gz", 6)
    first, second = _count_lines(ref[:3]), _count_lines(ref[3:6])
    return [*first[:20], repeated("the of and", 100) + "\t2", repeated("of the", 99) + "\t3", *first[20:],
            "ESC document 2", *second[:30], repeated("and the", LIMIT + 1) + "\t1", *second[30:]]


def class_count_lines():
    """ngram-class -counts' counts (of the first lines of the reference training text): the
    unigrams, then the bigrams, among which a line of 100 words and a count, where SRILM stops
    reading, after one of 99 words and a count, above the order, left out unwarned."""
    counts = _count_lines(_reference_lines("train.txt.gz", 200), order=2)
    unigrams = [line for line in counts if " " not in line.split("\t")[0]]
    bigrams = [line for line in counts if " " in line.split("\t")[0]]
    half = len(bigrams) // 2
    return [*unigrams, *bigrams[:half], repeated("of the", 99) + "\t3", repeated("the of and", 100) + "\t2",
            *bigrams[half:]]


def prefix_lines():
    """-gen-prefixes' prefixes: SRILM reads the first 50000 words of a line, so the second
    continues `in the` as the third does, not `the king`."""
    return ["the", repeated("in the", LIMIT) + " king", repeated("in the", LIMIT), "and the"]


def hypothesis_lines():
    """-rescore's and -nbest's hypotheses (SRILM's format): SRILM does not read the second, of
    50001 words."""
    return ["-100 -20 3 the of and", "-100 -20 3 " + repeated("the of and", LIMIT + 1),
            "-100 -20 2 " + repeated("the of", LIMIT), "-50 -10 2 and the"]


def stream_lines():
    """A -rescore stream: SRILM passes over an NBestList1.0 hypothesis of 50001 words and one
    of SRILM's format of 550004 fields (NBestHyp::parse reads fewer), among hypotheses with
    words outside the model, whose warnings go out in the stream's order; it rescores an
    NBestList1.0 hypothesis of 50000 words."""
    return ["-100 -20 3 the of and", "(-2500) the king zzzunknown", "(-9000) " + repeated("the of and", LIMIT + 1),
            "(-9000) " + repeated("of the", LIMIT), "-100 -20 2 " + repeated("the", 11 * LIMIT + 1),
            "-50 -10 2 and zzzunknown"]


def nbest1_lines():
    """An NBestList1.0 list whose second hypothesis is of 50001 words."""
    return ["NBestList1.0", "(-2500) the of and", "(-9000) " + repeated("the of and", LIMIT + 1), "(-2400) of the"]


def _nbest2_hypothesis(score, pattern, n):
    """An NBestList2.0 hypothesis of `n` words of `pattern`, each after the one before."""
    words = itertools.islice(itertools.cycle(pattern.split()), n)
    return f"({score}) " + " ".join(f"{w} ( st: {2 * i} et: {2 * i + 1} g: -10 a: -20 )" for i, w in enumerate(words))


def nbest2_lines():
    """An NBestList2.0 list whose second hypothesis is of 50001 words: more fields than SRILM reads."""
    return ["NBestList2.0", _nbest2_hypothesis(-2500, "the of and", 3), _nbest2_hypothesis(-9000, "of the", LIMIT + 1)]


def nbest2_kept_lines():
    """An NBestList2.0 list whose first hypothesis is of 50000 words, which SRILM rescores."""
    return ["NBestList2.0", _nbest2_hypothesis(-9000, "of the", LIMIT), _nbest2_hypothesis(-2500, "the of and", 3)]


def _tagged_lines():
    return (DATA / "tagged" / "t.txt").read_text(encoding="utf-8").splitlines()


def tagged_training_lines():
    """ngram-count -tagged's text: a line of 50001 word/tag tokens is passed over."""
    tagged = _tagged_lines()
    return [*tagged[:60], repeated("x/N y/D z", LIMIT + 1), *tagged[60:], repeated("the/V of/D p/N", LIMIT)]


def tagged_ppl_lines():
    """ngram -tagged -ppl's text: a line of 50001 tokens is passed over."""
    tagged = _tagged_lines()
    return [*tagged[100:105], repeated("the/V of/D king", LIMIT + 1), *tagged[105:110]]


def tagged_prefix_lines():
    return ["the/V", repeated("in the/V", LIMIT) + " king/N", repeated("in the/V", LIMIT)]


INPUTS = {"train.txt": training_lines, "lmplz.txt": lmplz_lines, "weighted.txt": weighted_lines, "test.txt": ppl_lines,
          "short-test.txt": short_ppl_lines, "escaped-test.txt": escaped_lines, "hidden-test.txt": hidden_ppl_lines,
          "zero-test.txt": zero_denominator_lines, "test.counts": ppl_count_lines, "class.counts": class_count_lines,
          "weighted-test.txt": weighted_ppl_lines, "prefixes.txt": prefix_lines, "hyps.txt": hypothesis_lines,
          "stream.txt": stream_lines, "nbest1.txt": nbest1_lines, "nbest2.txt": nbest2_lines,
          "nbest2-kept.txt": nbest2_kept_lines, "tagged.txt": tagged_training_lines, "tagged-test.txt": tagged_ppl_lines,
          "tagged-prefixes.txt": tagged_prefix_lines}


def write_inputs(folder):
    for name, lines in INPUTS.items():
        (Path(folder) / name).write_text("".join(line + "\n" for line in lines()), encoding="utf-8")


if __name__ == "__main__":
    write_inputs(sys.argv[1])
