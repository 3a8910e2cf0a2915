"""SRILM's binary LM (ngram -write-bin-lm): bytes worked out by hand from NgramLM.cc's
writeBinaryNgram/writeBinaryNode and Counts.cc's writeBinaryCount, and round trips."""

import struct
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit.arpa import write_arpa
from ngramkit.cli import ngram as ngram_cmd
from ngramkit.cli import ngram_count as ngram_count_cmd
from ngramkit.errors import FormatError
from ngramkit.formats import format_of_file
from ngramkit.model import NgramModel
from ngramkit.vocab import Vocabulary

SHARED = Path(__file__).resolve().parents[2] / "shared"

TINY_ARPA = """
\\data\\
ngram 1=4
ngram 2=3

\\1-grams:
-0.5\t</s>
-99\t<s>\t-0.2
-0.7\t<unk>
-0.3\ta\t-0.1

\\2-grams:
-0.4\t<s> a
-0.6\ta </s>
-0.9\ta a

\\end\\
"""


def f32(x):
    """A float as SRILM writes it: float32, big-endian."""
    return struct.pack(">f", x)


def short(n):
    return struct.pack(">H", n)


def long_(n):
    return struct.pack(">I", n | 0x80000000)


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.arpa"
    path.write_text(TINY_ARPA)
    return ngramkit.load(path)


def test_tiny_bigram_bytes(tiny, tmp_path):
    out = tmp_path / "tiny.bin"
    tiny.write(out, format="srilm-binary")
    # SRILM indices: <unk> 0, <s> 1, </s> 2, -pau- 3 (Vocab's constructor), then a 4.
    header = b"SRILM_BINARY_NGRAM_002\nmaxorder 2\n0 <unk>\n1 <s>\n2 </s>\n3 -pau-\n4 a\n.\n"
    # Context <s> (level 2 of order 2: a 2-byte length): length, bow -0.2, 1 prob (a: -0.4).
    s_node = 2 + 4 + 2 + (2 + 4)  # = 14
    # Context a: length, bow -0.1, 2 probs (</s> -0.6, a -0.9), in index order 2, 4.
    a_node = 2 + 4 + 2 + 2 * (2 + 4)  # = 20
    # Root (level 1, one level below it: a 4-byte length): bow log 0, 4 unigrams, then
    # (key 1, <s>'s subtree) and (key 4, a's subtree).
    root = 4 + 4 + 2 + 4 * (2 + 4) + (2 + s_node) + (2 + a_node)  # = 72
    assert (s_node, a_node, root) == (14, 20, 72)
    trie = (long_(root) + f32(float("-inf")) + short(4)
            + short(0) + f32(-0.7) + short(1) + f32(float("-inf")) + short(2) + f32(-0.5) + short(4) + f32(-0.3)
            + short(1) + short(s_node) + f32(-0.2) + short(1) + short(4) + f32(-0.4)
            + short(4) + short(a_node) + f32(-0.1) + short(2) + short(2) + f32(-0.6) + short(4) + f32(-0.9))
    assert out.read_bytes() == header + trie
    assert format_of_file(out).name == "srilm-binary"
    back = ngramkit.load(out)
    assert back.vocab == tiny.vocab  # -pau- is no word of the model
    for k in range(2):
        assert np.array_equal(back.ngrams[k], tiny.ngrams[k])
        assert np.array_equal(back.logprob[k], tiny.logprob[k])
    assert np.array_equal(back.backoff[0], tiny.backoff[0], equal_nan=True)


def _wide_bigram_model(m):
    """Unigrams <s>, </s>, <unk>, w00000..; bigrams `w00000 w_j` for all j; w00000 alone has a
    backoff weight."""
    words = [f"w{i:05d}" for i in range(m)]
    vocab = Vocabulary(words)
    assert vocab.words[:3] == ["</s>", "<s>", "<unk>"]
    unigrams = np.arange(len(vocab), dtype=np.int32).reshape(-1, 1)
    bigrams = np.stack([np.full(m, 3, dtype=np.int32), np.arange(3, m + 3, dtype=np.int32)], axis=1)
    backoff = np.full(len(vocab), np.nan, np.float32)
    backoff[3] = -0.25  # w00000 alone is a context
    return NgramModel(vocab, [unigrams, bigrams],
                      [np.full(len(vocab), -4.0, np.float32), np.full(m, -1.5, np.float32)], [backoff])


def test_long_counts_and_length_field_growth(tmp_path):
    # 33000 words: SRILM indices 4..33003, those from 32768 up (w32764 on) take 4 bytes.
    m = 33000
    model = _wide_bigram_model(m)
    out = tmp_path / "wide.bin"
    model.write(out, format="srilm-binary")
    data = out.read_bytes()
    trie = data.index(b"\n.\n") + 3
    long_ids = m - (32768 - 4)  # words whose index needs 4 bytes
    probs = 2 * (m - long_ids) + 4 * long_ids + 4 * m  # one (index, prob) pair per word
    # The root: 8-byte length? No: order 2, one level below the root, so 4 bytes.
    # Context w00000 (index 4): its 2-byte length cannot hold 2 + content, so it grows to 4.
    child_content = 4 + 4 + probs  # bow, 4-byte prob count (33000 >= 2^15), pairs
    child = 4 + child_content
    root = 4 + 4 + 4 + (probs + 3 * 6) + (2 + child)  # + <unk>, <s>, </s>: 2-byte index each
    assert data[trie:trie + 4] == long_(root)
    assert len(data) - trie == root
    key_at = trie + 4 + 4 + 4 + probs + 18
    assert data[key_at:key_at + 2] == short(4)
    assert data[key_at + 2:key_at + 6] == long_(child)
    assert data[key_at + 6:key_at + 10] == f32(-0.25)
    assert data[key_at + 10:key_at + 14] == long_(m)
    back = ngramkit.load(out)
    assert back.vocab == model.vocab
    for k in range(2):
        assert np.array_equal(back.ngrams[k], model.ngrams[k])
        assert np.array_equal(back.logprob[k], model.logprob[k])
    assert np.array_equal(back.backoff[0], model.backoff[0], equal_nan=True)


def test_trigram_round_trip_keeps_missing_weights(tmp_path):
    arpa = tmp_path / "m.arpa"
    arpa.write_text(TINY_ARPA.replace("ngram 2=3", "ngram 2=3\nngram 3=1").replace(
        "-0.9\ta a\n", "-0.9\ta a\t-0.05\n\n\\3-grams:\n-0.8\t<s> a a\n"))
    model = ngramkit.load(arpa)
    out = tmp_path / "m.bin"
    model.write(out, format="srilm-binary")
    back = ngramkit.load(out)
    write_arpa(model, tmp_path / "a.arpa")
    write_arpa(back, tmp_path / "b.arpa")
    # "<s> a" has no weight but extends to "<s> a a": its node gets weight 0, read back as 0
    text = (tmp_path / "a.arpa").read_text().replace("-0.4\t<s> a\n", "-0.4\t<s> a\t0\n")
    assert (tmp_path / "b.arpa").read_text() == text


@pytest.mark.skipif(not (SHARED / "reference/en/srilm/gt3-cut.arpa.gz").exists(), reason="no /work/shared")
def test_srilm_model_round_trip(tmp_path):
    model = ngramkit.load(SHARED / "reference/en/srilm/gt3-cut.arpa.gz")
    ngram_cmd.main(["-lm", str(SHARED / "reference/en/srilm/gt3-cut.arpa.gz"), "-write-bin-lm",
                    str(tmp_path / "lm.bin")])
    ngram_cmd.main(["-lm", str(tmp_path / "lm.bin"), "-write-lm", str(tmp_path / "back.arpa")])
    write_arpa(model, tmp_path / "direct.arpa")
    assert (tmp_path / "back.arpa").read_bytes() == (tmp_path / "direct.arpa").read_bytes()


def test_ngram_count_write_binary_lm(tmp_path):
    text = tmp_path / "train.txt"
    text.write_text("a b c\na b\nb c a\nc c b a\n")
    ngram_count_cmd.main(["-order", "3", "-text", str(text), "-lm", str(tmp_path / "lm.arpa"), "-q"])
    ngram_count_cmd.main(["-order", "3", "-text", str(text), "-lm", str(tmp_path / "lm.bin"), "-write-binary-lm",
                          "-q"])
    assert (tmp_path / "lm.bin").read_bytes().startswith(b"SRILM_BINARY_NGRAM_002\nmaxorder 3\n")
    ngram_cmd.main(["-lm", str(tmp_path / "lm.bin"), "-write-lm", str(tmp_path / "back.arpa")])
    assert (tmp_path / "back.arpa").read_bytes() == (tmp_path / "lm.arpa").read_bytes()


def _error(capsys, path):
    with pytest.raises(SystemExit) as exit_info:
        ngram_cmd.main(["-lm", str(path), "-write-lm", str(path) + ".arpa"])
    assert exit_info.value.code == FormatError.exit_status
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    return lines[0]


def test_malformed_files(tiny, tmp_path, capsys):
    good = tmp_path / "good.bin"
    tiny.write(good, format="srilm-binary")
    data = good.read_bytes()
    trie = data.index(b"\n.\n") + 3
    cases = {
        "truncated": (data[:-3], "binary LM ends inside its n-gram trie"),
        "order": (data.replace(b"maxorder 2", b"maxorder x"), ":2: could not read the n-gram order"),
        "index line": (data.replace(b"4 a\n", b"a 4 \n"), ":7: malformed vocab index line"),
        "unended": (data[:trie - 2], "index map not ended by a '.' line"),
        "trailing": (data + b"\0\0", "2 bytes after the n-gram trie"),
        # the first unigram's index 0 made 9: beyond the map's 0..4
        "index": (data[:trie + 10] + short(9) + data[trie + 12:], "word index out of range"),
        # the root's length 2 bytes short: its last subtree runs past it
        "length": (long_(70) + data[trie + 4:], "subtree length runs past"),
        "old": (b"SRILM_BINARY_NGRAM_001\n", ":1: SRILM's old machine-dependent binary format"),
    }
    for name, (content, message) in cases.items():
        bad = tmp_path / f"{name.replace(' ', '-')}.bin"
        if name == "length":
            content = data[:trie] + content
        bad.write_bytes(content)
        line = _error(capsys, bad)
        assert line.startswith(f"ngram: {bad}") and message in line, (name, line)
