import gzip
from pathlib import Path

import numpy as np
import pytest

from ngramkit import arpa
from ngramkit.arpa import read_arpa, write_arpa
from ngramkit.errors import EncodingError, FormatError
from ngramkit.vocab import Vocabulary

DATA = Path(__file__).parent / "data" / "reference"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"

def full_arpas(root):
    """The reference tools' UTF-8 ARPA files (not the excerpts other tests keep as
    `*.sample.arpa.gz`, nor the GBK one, which test_gbk_arpa_is_refused covers)."""
    return sorted(p for p in root.glob("*/*/*.arpa.gz")
                  if not p.name.endswith((".sample.arpa.gz", ".gbk.arpa.gz")))


LOCAL_ARPAS = full_arpas(DATA)
SHARED_ARPAS = full_arpas(SHARED) if SHARED.is_dir() else []


@pytest.fixture(params=[False, True], ids=["one-thread", "pieces"])
def in_pieces(request, monkeypatch):
    """Read every file as a large one is read: orders above 1 in small pieces on two threads."""
    if request.param:
        monkeypatch.setattr(arpa, "PARALLEL_PARSE_BYTES", 0)
        monkeypatch.setattr(arpa, "MIN_PIECE_BYTES", 64)
        monkeypatch.setattr(arpa, "available_cores", lambda: 2)
    return request.param


def assert_same_model(a, b):
    assert a.vocab == b.vocab
    assert a.order == b.order
    for k in range(a.order):
        np.testing.assert_array_equal(a.ngrams[k], b.ngrams[k])
        np.testing.assert_array_equal(a.logprob[k], b.logprob[k])
    for k in range(a.order - 1):
        np.testing.assert_array_equal(a.backoff[k], b.backoff[k])


def reference_lines(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return sorted(line for line in f.read().split("\n") if line)


def written_lines(path):
    return sorted(line for line in Path(path).read_text(encoding="utf-8").split("\n") if line)


def check_round_trip(path, tmp_path):
    model = read_arpa(path)
    style = "kenlm" if path.parent.name == "kenlm" else "srilm"
    out = tmp_path / "out.arpa"
    write_arpa(model, out, style=style)
    # The reference tool's own text comes back line for line (only n-gram order within a section may differ).
    assert written_lines(out) == reference_lines(path)
    assert_same_model(model, read_arpa(out))


@pytest.mark.parametrize("path", LOCAL_ARPAS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_round_trip_local(path, tmp_path, in_pieces):
    check_round_trip(path, tmp_path)


@pytest.mark.skipif(not SHARED_ARPAS, reason="shared reference outputs not available")
@pytest.mark.parametrize("path", SHARED_ARPAS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_round_trip_shared(path, tmp_path):
    check_round_trip(path, tmp_path)


@pytest.mark.skipif(not (SHARED / "more" / "zh" / "mkn3.gbk.arpa.gz").exists(),
                    reason="shared reference outputs not available")
def test_gbk_arpa_is_refused():
    # SRILM's model of GBK text: words are GBK bytes; UTF-8 validation names the first bad line
    # (line 48 is the first 1-gram line with a non-ASCII word).
    with pytest.raises(EncodingError, match="invalid UTF-8 in a word") as caught:
        read_arpa(SHARED / "more" / "zh" / "mkn3.gbk.arpa.gz")
    assert caught.value.line == 48


def test_values_match_reference_text():
    model = read_arpa(DATA / "en" / "srilm" / "mkn3.arpa.gz")
    assert model.sizes() == [12040, 63039, 6637]
    vocab = model.vocab
    # "-4.680554\t0\t-0.08953898" and "-0.7296989\t0 1" in the file.
    row = np.searchsorted(model.ngrams[0][:, 0], vocab.index["0"])
    assert model.logprob[0][row] == np.float32(-4.680554)
    assert model.backoff[0][row] == np.float32(-0.08953898)
    bigram = np.array([vocab.index["0"], vocab.index["1"]], dtype=np.int32)
    row = np.flatnonzero((model.ngrams[1] == bigram).all(axis=1))
    assert model.logprob[1][row] == np.float32(-0.7296989)
    assert np.isnan(model.backoff[1][row])
    bos = np.searchsorted(model.ngrams[0][:, 0], vocab.bos)
    assert model.logprob[0][bos] == np.float32(-99)
    for k in range(model.order):
        rows = model.ngrams[k]
        assert rows.dtype == np.int32 and rows.shape[1] == k + 1
        assert model.logprob[k].dtype == np.float32
        # Lexicographically sorted, no duplicates.
        keys = [tuple(r) for r in rows[:2000].tolist()]
        assert keys == sorted(set(keys))


def test_kenlm_rows_are_sorted_and_unk_present():
    model = read_arpa(DATA / "en" / "kenlm" / "o3.arpa.gz")
    assert model.sizes() == [12041, 63039, 96917]
    unk = np.searchsorted(model.ngrams[0][:, 0], model.vocab.unk)
    assert model.logprob[0][unk] == np.float32(-4.8243637)
    for k in range(1, 3):
        rows = model.ngrams[k]
        diff = np.diff(rows.astype(np.int64), axis=0)
        first_change = np.argmax(diff != 0, axis=1)
        assert (diff[np.arange(len(diff)), first_change] > 0).all()


TINY = """some text before the data
\\data\\
ngram 1=4
ngram 2=2

\\1-grams:
-99\t<s>\t-0.5
-1.0\t</s>
-0.5 a -0.25
-0.8\tb\t-0.1

\\2-grams:
-0.2\t<s> a
-0.3\ta b

\\end\\
"""


def write_text(tmp_path, text, name="lm.arpa", newline="\n"):
    path = tmp_path / name
    data = text.replace("\n", newline).encode()
    if name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_tolerant_reading(tmp_path, newline, in_pieces):
    model = read_arpa(write_text(tmp_path, TINY, newline=newline))
    assert model.sizes() == [4, 2]
    assert model.vocab.words == ["</s>", "<s>", "<unk>", "a", "b"]
    np.testing.assert_array_equal(model.ngrams[0][:, 0], [0, 1, 3, 4])
    np.testing.assert_array_equal(model.logprob[0], np.float32([-1.0, -99, -0.5, -0.8]))
    np.testing.assert_array_equal(model.backoff[0], np.float32([np.nan, -0.5, -0.25, -0.1]))
    np.testing.assert_array_equal(model.ngrams[1], [[1, 3], [3, 4]])


def test_gzip_and_truncated_gzip(tmp_path):
    path = write_text(tmp_path, TINY, name="lm.arpa.gz")
    assert read_arpa(path).sizes() == [4, 2]
    cut = tmp_path / "cut.arpa.gz"
    cut.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(FormatError):
        read_arpa(cut)


def test_vocab_and_limit_vocab(tmp_path):
    path = write_text(tmp_path, TINY)
    extra = Vocabulary(["a", "zzz"])
    model = read_arpa(path, vocab=extra)
    assert "zzz" in model.vocab and "b" in model.vocab
    limited = read_arpa(path, vocab=extra, limit_vocab=True)
    assert "b" not in limited.vocab
    assert limited.sizes() == [3, 1]  # the unigram b and the bigram "a b" are dropped


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        ("-0.5 a -0.25", "-0.5x a -0.25", 9, "log probability is not a number"),
        ("-0.5 a -0.25", "0.5 a -0.25", 9, "log probability is positive"),
        ("-0.5 a -0.25", "-0.5 a -0.25q", 9, "backoff weight is not a number"),
        ("-0.3\ta b", "-0.3\ta b a", 14, "backoff weight on a highest-order"),
        ("-0.3\ta b", "-0.3\ta", 14, "wrong order"),
        ("-0.3\ta b", "-0.3\ta c", 14, "not among the 1-grams"),
        ("-0.3\ta b", "-0.2\t<s> a", 14, "duplicate 2-gram"),
        ("-0.8\tb\t-0.1", "-0.8\ta\t-0.1", 10, "duplicate word"),
        ("\\2-grams:", "\\3-grams:", 12, "expected section header \\2-grams:"),
        ("\\end\\\n", "", 15, "missing \\end\\"),
        ("ngram 2=2", "ngram 2=", 4, "expected 'ngram K=N'"),
        # a stray line before a section, with a backslash
        ("\n\\2-grams:", "\n\\junk\\\n\\2-grams:", 12, "expected section header \\2-grams:"),
        # only spaces, tabs and CRs are blanks
        ("\\end\\\n", "\\end\\\x0c\n", 16, "missing \\end\\"),
        # a CR separates words, as in SRILM and KenLM: "b\rc" is two fields
        ("-0.8\tb\t-0.1", "-0.8\tb\rc\t-0.1", 10, "1 words and an optional backoff weight"),
        # a form feed inside a line is part of a word: "b\x0cc" is a 1-gram, "b" is not
        ("-0.8\tb\t-0.1", "-0.8\tb\x0cc\t-0.1", 14, "not among the 1-grams"),
    ],
)
def test_format_errors_name_file_and_line(tmp_path, old, new, line, message, in_pieces):
    assert old in TINY
    path = write_text(tmp_path, TINY.replace(old, new, 1))
    with pytest.raises(FormatError) as info:
        read_arpa(path)
    assert info.value.path == path
    assert info.value.line == line
    assert message in info.value.message


def test_not_an_arpa_file(tmp_path):
    with pytest.raises(FormatError, match="no \\\\data"):
        read_arpa(write_text(tmp_path, "hello\n"))
