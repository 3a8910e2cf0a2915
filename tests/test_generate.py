"""Sentence generation against SRILM 1.7.3's `ngram -gen` / `-gen-prefixes` outputs."""

import ctypes
import ctypes.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ngramkit.arpa import read_arpa
from ngramkit.cli.ngram import ngram
from ngramkit.generate import _drand48, srand48_state
from ngramkit.srilm_lhash import lhash_order, string_keys

DATA = Path(__file__).parent / "data"
MORE = DATA / "srilm_more"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"


@pytest.fixture(scope="module")
def en_mkn3():
    return read_arpa(EN_MKN3)


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_drand48_is_the_c_librarys():
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.drand48.restype = ctypes.c_double
    for seed in (1, 12345, -7, 2**33 + 5):
        libc.srand48(ctypes.c_long(seed))
        state = srand48_state(seed)
        assert [_drand48(state) for _ in range(1000)] == [libc.drand48() for _ in range(1000)]


def test_string_hash_by_hand():
    # h += (h << 3) + c: "ab" -> 97, then 97 * 9 + 98 = 971; the byte 0xE4 is the signed char -28
    pool = np.frombuffer(b"ab\xe4", dtype=np.uint8)
    hashes = string_keys(pool, np.array([0, 2, 3]))
    assert hashes.tolist() == [971, 2**64 - 28]


def test_walk_order_small_tables_keep_insertion_order():
    # up to 4 entries the table is searched linearly and holds them as inserted
    assert lhash_order(np.array([9, 3, 7, 1], dtype=np.uint64), np.array([0, 4])).tolist() == [0, 1, 2, 3]


def test_walk_order_by_hand():
    # The 5th insert grows the table to 8 slots (roundSize(5) = int(6 / 0.8f) = 7), whose slot of h
    # is ((h * 1103515245 + 12345) >> 27) & 7: 35 -> 7, 70 -> 7, 7 -> 1, 28 -> 6, 112 -> 0.
    # Re-inserted in the old (insertion) order: 35 at 7, 70 wraps to 0, 7 at 1, 28 at 6; then 112
    # finds 0 and 1 taken and lands at 2. Slots 0, 1, 2, 6, 7 hold entries 1, 2, 4, 3, 0.
    hashes = np.array([35, 70, 7, 28, 112], dtype=np.uint64)
    assert lhash_order(hashes, np.array([0, len(hashes)])).tolist() == [1, 2, 4, 3, 0]


@pytest.mark.parametrize("seed, n, name", [(1, 20, "gen-en-seed1.txt"), (12345, 5, "gen-en-seed12345.txt")])
def test_gen_matches_srilm(en_mkn3, seed, n, name):
    assert en_mkn3.generate(n, seed=seed) == lines(MORE / name)


def test_gen_prefixes_matches_srilm(en_mkn3):
    prefixes = lines(MORE / "gen-en-prefixes.txt")
    expected = lines(MORE / "gen-en-prefixes-seed1.txt")
    assert en_mkn3.generate(seed=1, prefixes=prefixes) == expected
    assert en_mkn3.generate(seed=1, prefixes=MORE / "gen-en-prefixes.txt") == expected
    assert en_mkn3.generate(seed=1, prefixes=[p.split() for p in prefixes]) == expected


def test_gen_then_prefixes_share_one_stream(en_mkn3):
    both = en_mkn3.generate(5, seed=12345, prefixes=["we"])
    assert both[:5] == lines(MORE / "gen-en-seed12345.txt")
    assert both[5] != en_mkn3.generate(seed=12345, prefixes=["we"])[0]


def test_command_line(capsys):
    ngram(["-lm", str(EN_MKN3), "-order", "3", "-seed", "1", "-gen", "20"])
    assert capsys.readouterr().out.splitlines() == lines(MORE / "gen-en-seed1.txt")
    ngram(["-lm", str(EN_MKN3), "-seed", "1", "-gen-prefixes", str(MORE / "gen-en-prefixes.txt")])
    assert capsys.readouterr().out.splitlines() == lines(MORE / "gen-en-prefixes-seed1.txt")


def test_sentence_without_end_keeps_one_word_less(tmp_path):
    # </s> at 10**-99 is never drawn: SRILM stops after 50000 words and prints 49999
    arpa = tmp_path / "a.arpa"
    arpa.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-99\t</s>\n-99\t<s>\n0\ta\n\n\\end\\\n")
    (sentence,) = read_arpa(arpa).generate(1, seed=3)
    assert sentence == " ".join(["a"] * 49999)


def test_bad_count_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(EN_MKN3), "-gen", "-2"],
                          check=False, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "ngram: -gen: the number of sentences must be at least 0, not -2"


@pytest.mark.skipif(not (SHARED / "zh" / "srilm" / "mkn3.arpa.gz").exists(), reason="shared references not available")
def test_zh_matches_srilm():
    model = read_arpa(SHARED / "zh" / "srilm" / "mkn3.arpa.gz")
    more = SHARED / "more" / "zh"
    assert model.generate(20, seed=1) == lines(more / "gen-seed1.txt")
    assert model.generate(5, seed=12345) == lines(more / "gen-seed12345.txt")
    assert model.generate(seed=1, prefixes=more / "prefixes.txt") == lines(more / "gen-prefixes-seed1.txt")


GENERATION = DATA / "generation"


def test_gen_walks_the_words_in_file_order(capsys):
    # SRILM's vocabulary hash takes the 1-grams as the file lists them: another order, other draws
    shuffled = GENERATION / "shuffled2.arpa.gz"
    assert read_arpa(shuffled).generate(10, seed=7) == lines(GENERATION / "gen-shuffled2-seed7.txt")
    # an in-memory static mix: the first model's words, then the second's
    ngram(["-lm", str(shuffled), "-mix-lm", str(DATA / "refused_combos" / "lm3.arpa.gz"), "-lambda", "0.4",
           "-gen", "10", "-seed", "11"])
    out = capsys.readouterr()
    assert out.out.splitlines() == lines(GENERATION / "gen-mix-seed11.txt")
    assert out.err == ""


def test_context_of_non_events_only_is_one_line(tmp_path):
    # every word but </s> a non-event and </s> at probability 0: SRILM would draw forever
    arpa = tmp_path / "a.arpa"
    arpa.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-99\t</s>\n0\t<s>\n-99\ta\n\n\\end\\\n")
    (tmp_path / "ne.txt").write_text("a\n")
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(arpa), "-gen", "1",
                           "-nonevents", str(tmp_path / "ne.txt")], check=False, capture_output=True, text=True)
    assert proc.returncode == 7
    assert proc.stderr.strip().splitlines()[-1].startswith("ngram: no word to generate: 65536 draws")
