"""Property tests: counting agrees with a plain Python count on random corpora, count files
read back identically, and the count-file reader fails only with clean errors."""

import collections

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ngramkit.countfile import read_counts, write_counts
from ngramkit.counting import (
    RunOptions,
    TextOptions,
    count_blocks,
    count_text,
    text_blocks,
)
from ngramkit.errors import NgramkitError

WORDS = st.sampled_from(["a", "b", "c", "dd", "é", "中文", "<unk>", "x1", "Z"])
CORPUS = st.lists(st.lists(WORDS, min_size=0, max_size=12), min_size=1, max_size=30)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def python_counts(sentences, order):
    counts = collections.Counter()
    for words in sentences:
        if not words:
            continue
        tokens = ["<s>"] + words + ["</s>"]
        for n in range(1, order + 1):
            for i in range(len(tokens) - n + 1):
                counts[tuple(tokens[i:i + n])] += 1
    return counts


def as_dict(counts):
    words = counts.vocab.words
    return {tuple(words[i] for i in row): int(c)
            for k in range(counts.order)
            for row, c in zip(counts.ngrams[k].tolist(), counts.counts[k].tolist())}


@FAST
@given(corpus=CORPUS, order=st.integers(1, 6), block=st.sampled_from([8, 64, 1 << 20]),
       workers=st.integers(1, 3))
def test_counts_equal_python_counts(tmp_path, corpus, order, block, workers):
    if not any(corpus):
        return
    text = tmp_path / "t.txt"
    text.write_text("".join(" ".join(s) + "\n" for s in corpus), encoding="utf-8")
    options = TextOptions()
    counts, totals = count_blocks(text_blocks([text], options, block), order, options,
                                  RunOptions(quiet=True, workers=workers))
    # SRILM's TextStats: the last line, the sentences, their words (no <s> or </s> among them)
    assert totals.files == {text: [len(corpus), sum(1 for s in corpus if s), sum(map(len, corpus)), 0]}
    assert as_dict(counts) == python_counts(corpus, order)
    # Written and read back: the same tables.
    write_counts(counts, tmp_path / "c.txt")
    again = read_counts([tmp_path / "c.txt"])
    assert as_dict(again) == as_dict(counts)


@FAST
@given(lines=st.lists(st.text(alphabet=st.sampled_from("ab \t\n1-.x\x00é"), max_size=20), max_size=20))
def test_count_reader_fails_only_cleanly(tmp_path, lines):
    path = tmp_path / "fuzz.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        counts = read_counts([path])
    except NgramkitError as exc:
        assert str(path) in str(exc)
        return
    for k in range(counts.order):
        assert (counts.counts[k] >= 0).all()


def test_output_is_identical_across_worker_counts(tmp_path):
    from conftest import REFERENCE

    outputs = []
    for workers in (1, 2, 4):
        counts = count_text([REFERENCE / "zh" / "train.txt.gz"], 3, run=RunOptions(quiet=True, workers=workers))
        path = tmp_path / f"w{workers}.txt"
        write_counts(counts, path)
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
