"""Scoring tables filled straight from an ARPA file (arpa.stream_arpa -> scoring.TableBuilder)
equal those made from the model it reads (ScoringTables.from_model), entry for entry and bit for
bit; where they cannot (KenLM's blanks, duplicate n-grams) the model is read instead, with the
same results and errors."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from ngramkit import arpa
from ngramkit.arpa import read_arpa, stream_arpa
from ngramkit.errors import FormatError
from ngramkit.formats import load
from ngramkit.lm import KENLM_MISSING_UNK, Model, State
from ngramkit.perplexity import PerplexityScorer, srilm_tables
from ngramkit.scoring import (
    EMPTY,
    ScoringTables,
    TableBuilder,
    arpa_tables,
    extend_key,
    unigram_key,
    with_blanks,
)
from ngramkit.vocab import Vocabulary

DATA = Path(__file__).parent / "data"
MODELS = [DATA / "kenlm" / "test.arpa", DATA / "kenlm" / "test_nounk.arpa",
          DATA / "reference" / "en" / "kenlm" / "o3.arpa.gz",
          DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz",  # <s> at -99
          DATA / "reference" / "en" / "srilm" / "mkn3-unk-vocab.arpa.gz",
          DATA / "reference" / "zh" / "srilm" / "mkn3-limit-vocab.arpa.gz",
          DATA / "kenlm" / "commands" / "nemo-subword-4gram.arpa.gz"]


def assert_same_tables(a, b, same_sizes=True):
    """Equal unigram arrays (and meta); the same entries per order (key and both values, bit for
    bit), which may sit in other slots of their table when inserted in another order, or in a
    table of another size (blanks: the model's tables are sized with them, the file's without)."""
    for x, y in ((a.uni_logprob, b.uni_logprob), (a.uni_backoff, b.uni_backoff)):
        assert np.array_equal(x.view(np.uint32), y.view(np.uint32))  # -0.0 is not 0.0 here
    assert len(a.meta) == len(b.meta)
    if same_sizes:
        assert np.array_equal(a.meta, b.meta)
    for k in range(2, len(a.meta)):
        assert np.array_equal(used_entries(a, k), used_entries(b, k))


def used_entries(tables, k):
    """Order k's entries that hold an n-gram (int32 rows: key, log probability, backoff weight
    below the highest order), in the order of their keys."""
    rows = tables.order_entries(k)
    keys = np.ascontiguousarray(rows[:, :2]).view(np.int64)[:, 0]
    used = keys != EMPTY
    return rows[used][np.argsort(keys[used])]


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.name)
@pytest.mark.parametrize("kenlm", [False, True])
def test_streamed_tables_equal_the_model_tables(path, kenlm):
    unk_logprob = KENLM_MISSING_UNK if kenlm else None
    tables, vocab, sizes = arpa_tables(path, unk_logprob=unk_logprob, kenlm=kenlm)
    model = read_arpa(path)
    assert vocab.words == model.vocab.words
    assert sizes == model.sizes()
    blanks = kenlm and [len(ids) for ids in with_blanks(model)[0]] != model.sizes()
    assert blanks == (kenlm and path.name.startswith("test"))  # KenLM's test models have missing suffixes
    assert_same_tables(tables, ScoringTables.from_model(model, unk_logprob=unk_logprob, kenlm=kenlm),
                       same_sizes=not blanks)


def test_runs_of_few_rows_and_parallel_pieces(monkeypatch):
    """A section handed on in many runs (a run fills up inside a block, and the next block's
    lines are parsed in parallel pieces) gives the same tables."""
    path = DATA / "kenlm" / "commands" / "nemo-subword-4gram.arpa.gz"
    expected = ScoringTables.from_model(read_arpa(path), kenlm=True, unk_logprob=KENLM_MISSING_UNK)
    runs = []

    class Recorder(TableBuilder):
        def rows(self, k, ids, logprob, backoff):
            runs.append((k, len(ids)))
            return super().rows(k, ids, logprob, backoff)

    monkeypatch.setattr(arpa, "STREAM_ROWS", 7)
    monkeypatch.setattr(arpa, "BLOCK_BYTES", 1 << 12)
    monkeypatch.setattr(arpa, "PARALLEL_PARSE_BYTES", 1 << 11)
    monkeypatch.setattr(arpa, "MIN_PIECE_BYTES", 1 << 9)
    monkeypatch.setattr(arpa, "available_cores", lambda: 2)
    builder = Recorder(None, KENLM_MISSING_UNK, True)
    assert stream_arpa(path, builder)
    assert max(n for k, n in runs if k > 1) == 7
    assert_same_tables(builder.finish(), expected)


def test_truncated_order_and_limited_vocabulary():
    """-order drops the higher orders (and the new highest order's backoff weights); -limit-vocab
    drops the n-grams holding other words: as the model's own truncation and reading do."""
    path = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
    words = read_arpa(path).vocab.words
    vocab = Vocabulary([w for i, w in enumerate(words) if i % 3])
    for order, limit in ((2, False), (1, False), (3, True), (2, True)):
        model = load(path, order=order, vocab=vocab, limit_vocab=limit)
        tables, got_vocab, sizes = arpa_tables(path, order=order, vocab=vocab, limit_vocab=limit)
        assert got_vocab.words == model.vocab.words
        assert sizes == model.sizes()
        assert len(tables.meta) == order + 1
        expected = ScoringTables.from_model(model)
        # the streamed tables are sized from the file's counts, not the kept n-grams: compare entries
        for x, y in ((tables.uni_logprob, expected.uni_logprob), (tables.uni_backoff, expected.uni_backoff)):
            assert np.array_equal(x.view(np.uint32), y.view(np.uint32))
        for k in range(2, order + 1):
            assert np.array_equal(used_entries(tables, k), used_entries(expected, k))


def test_scorer_from_arpa_reads_log_zero_as_srilm():
    path = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
    scorer = PerplexityScorer.from_arpa(path)
    assert scorer.model is None and scorer.order == 3
    model = read_arpa(path)
    expected = srilm_tables(model)
    assert_same_tables(scorer.tables, expected)
    assert np.isneginf(scorer.tables.uni_logprob[model.vocab.bos])  # <s> at -99: log 0


MISSING_SUFFIX = """\\data\\
ngram 1=4
ngram 2=2
ngram 3=1

\\1-grams:
-1.0\t<s>\t-0.5
-0.5\t</s>
-0.6\ta\t-0.25
-0.7\tb\t-0.125

\\2-grams:
-0.25\t<s> a\t-0.0625
-0.3\ta </s>

\\3-grams:
-0.125\t<s> a b

\\end\\
"""


def test_missing_suffix_makes_a_blank(tmp_path):
    """`a b` (the suffix of `<s> a b`) is missing: KenLM's tables get a blank for it, valued as
    backing off values it, log10 p(b) + bow(a) = -0.7 + -0.25 = -0.95 in float32."""
    path = tmp_path / "missing.arpa"
    path.write_text(MISSING_SUFFIX)
    tables = arpa_tables(path, kenlm=True, unk_logprob=KENLM_MISSING_UNK)[0]
    assert_same_tables(tables, ScoringTables.from_model(read_arpa(path), kenlm=True, unk_logprob=KENLM_MISSING_UNK),
                       same_sizes=False)
    model = Model(str(path))
    begin, mid, end = State(), State(), State()
    model.NullContextWrite(begin)
    model.BaseScore(begin, "a", mid)
    got = model.BaseFullScore(mid, "b", end)
    assert got.log_prob == float(np.float32(-0.7) + np.float32(-0.25))
    assert got.ngram_length == 2  # the blank counts


# `a b c` is read when its context `a b` is missing; `a b` becomes a blank only in the 4-grams
# (the suffix of the blank `y a b`, the suffix of `c y a b`), and then gets its mark.
LATE_CONTEXT = """\\data\\
ngram 1=6
ngram 2=3
ngram 3=2
ngram 4=1

\\1-grams:
-1.0\t<s>\t-0.5
-0.5\t</s>
-0.6\ta\t-0.25
-0.7\tb\t-0.125
-0.8\tc\t-0.375
-0.9\ty\t-0.0625

\\2-grams:
-0.25\tb c\t-0.1
-0.3\ty a\t-0.2
-0.35\tc y\t-0.3

\\3-grams:
-0.125\ta b c\t-0.05
-0.15\tc y a\t-0.07

\\4-grams:
-0.1\tc y a b

\\end\\
"""


def test_context_made_a_blank_later_is_marked(tmp_path):
    path = tmp_path / "late.arpa"
    path.write_text(LATE_CONTEXT)
    tables = arpa_tables(path, kenlm=True)[0]
    model = read_arpa(path)
    assert_same_tables(tables, ScoringTables.from_model(model, kenlm=True), same_sizes=False)
    a, b = model.vocab.index["a"], model.vocab.index["b"]
    key = extend_key(unigram_key(a), b)
    entry = tables.order_entries(2)[tables.order_entries(2)[:, :2].copy().view(np.int64)[:, 0] == key]
    logprob, backoff = entry[0, 2:4].view(np.float32)
    assert logprob == np.float32(-0.7) + np.float32(-0.25)  # p(b) + bow(a)
    assert np.signbit(backoff) == np.False_  # +0.0: `a b` is extended by `a b c`
    scorer = Model(str(path))
    begin, state, mid, end = State(), State(), State(), State()
    scorer.NullContextWrite(begin)
    scorer.BaseScore(begin, "y", state)
    scorer.BaseScore(state, "a", mid)
    got = scorer.BaseFullScore(mid, "b", end)
    # the blank `y a b`: its suffix's value (the blank `a b`) plus bow(y a)
    assert got.log_prob == float(np.float32(np.float32(-0.7) + np.float32(-0.25)) + np.float32(-0.2))
    assert got.ngram_length == 3


DUPLICATE = """\\data\\
ngram 1=3
ngram 2=3

\\1-grams:
-1.0\t<s>\t-0.5
-0.5\t</s>
-0.6\ta\t-0.25

\\2-grams:
-0.25\t<s> a
-0.3\ta </s>
-0.2\t<s> a
\\end\\
"""


def test_duplicate_ngram_is_named_with_its_line(tmp_path):
    path = tmp_path / "dup.arpa"
    path.write_text(DUPLICATE)
    with pytest.raises(FormatError) as expected:
        read_arpa(path)
    assert expected.value.line == 13
    for make in (lambda: PerplexityScorer.from_arpa(path), lambda: Model(str(path))):
        with pytest.raises(FormatError) as got:
            make()
        assert (got.value.message, got.value.line) == (expected.value.message, expected.value.line)


def test_ngram_ppl_reads_tables_straight_from_the_file(tmp_path, monkeypatch, capsysbinary):
    """`ngram -ppl` alone never builds the model, and prints SRILM's output byte for byte
    (mkn3.ppl2.txt: SRILM 1.7.3, -debug 2 on test20.txt)."""
    from ngramkit.cli.ngram import ngram

    srilm = DATA / "reference" / "en" / "srilm"
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rb") as f:
        lines = f.read().splitlines(keepends=True)[:20]
    text = tmp_path / "test20.txt"
    text.write_bytes(b"".join(lines))
    argv = ["-lm", str(srilm / "mkn3.arpa.gz"), "-order", "3", "-debug", "2", "-ppl", str(text)]
    expected = (srilm / "mkn3.ppl2.txt").read_bytes().replace(b"file test20.txt", b"file " + bytes(text))

    def no_model(*args, **kwargs):
        raise AssertionError("the model was built")

    with monkeypatch.context() as patch:
        patch.setattr(ScoringTables, "from_model", no_model)
        patch.setattr(arpa, "read_arpa", no_model)
        ngram(argv)
        assert capsysbinary.readouterr().out == expected
    ngram(argv + ["-write-vocab", str(tmp_path / "vocab.txt")])  # this one needs the model
    assert capsysbinary.readouterr().out == expected


def test_highest_order_entries_hold_no_backoff_weight():
    """meta[k] = (first cell, slots, cells a slot): 4 cells (key, log10 p, backoff) below the
    highest order, 3 at it; the tables one after the other, the highest last."""
    path = DATA / "kenlm" / "test.arpa"
    tables = arpa_tables(path)[0]
    model = read_arpa(path)
    order = model.order
    end = 0
    for k in range(2, order + 1):
        offset, size, width = tables.meta[k].tolist()
        assert (offset, width) == (end, 4 if k < order else 3)
        assert size == max(16, int(1.5 * model.sizes()[k - 1]) + 1)
        end += size * width
    assert end == len(tables.entries) and tables.entries.dtype == np.int32
    # each n-gram's log10 p sits in its entry's third cell
    top = used_entries(tables, order)
    assert len(top) == model.sizes()[-1]
    assert np.array_equal(np.sort(top[:, 2].view(np.float32)), np.sort(model.logprob[-1]))
