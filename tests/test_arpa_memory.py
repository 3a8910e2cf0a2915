"""The ARPA reader in bounded memory: blocks of whole lines (a memory-mapped plain file, a
compressed file or stdin read in blocks), rows packed into keys and sorted in place, and the
line of a duplicate found by a second reading. Every way of reading gives the model a plain
Python reading of the text gives."""

import gzip
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from ngramkit import arpa
from ngramkit.arpa import read_arpa
from ngramkit.errors import FormatError
from ngramkit.vocab import Vocabulary

DATA = Path(__file__).parent / "data" / "reference"
ARPAS = [DATA / "en" / "kenlm" / "o3.arpa.gz", DATA / "en" / "srilm" / "mkn3.arpa.gz",
         DATA / "zh" / "srilm" / "mkn3-limit-vocab.arpa.gz"]


def python_reading(path, vocab=None):
    """The model of an ARPA text read line by line in Python: per order, sorted rows of ids,
    log probabilities and backoff weights (NaN where a line has none). `vocab`: keep only the
    n-grams of its words, on its ids."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")
    sections, k = {}, 0
    for line in lines:
        fields = line.split()
        if not fields:
            continue
        if fields[0].endswith("-grams:"):
            k = int(fields[0][1:fields[0].index("-")])
            sections[k] = []
        elif fields[0] == "\\end\\":
            break
        elif k:
            bow = float(fields[k + 1]) if len(fields) == k + 2 else float("nan")
            sections[k].append((tuple(fields[1:k + 1]), float(fields[0]), bow))
    if vocab is None:
        vocab = Vocabulary(words[0] for words, _, _ in sections[1])
    model = []
    for k in sorted(sections):
        entries = [([vocab.index[w] for w in words], p, b) for words, p, b in sections[k]
                   if all(w in vocab.index for w in words)]
        entries.sort()
        model.append((np.array([e[0] for e in entries], dtype=np.int32).reshape(-1, k),
                      np.array([e[1] for e in entries], dtype=np.float32),
                      np.array([e[2] for e in entries], dtype=np.float32)))
    return vocab, model


def assert_model_is(model, expected):
    vocab, orders = expected
    assert model.vocab == vocab
    assert model.order == len(orders)
    for k, (rows, logprob, backoff) in enumerate(orders):
        np.testing.assert_array_equal(model.ngrams[k], rows)
        np.testing.assert_array_equal(model.logprob[k], logprob)
        if k < model.order - 1:
            np.testing.assert_array_equal(model.backoff[k], backoff)
        assert model.ngrams[k].flags.c_contiguous


@pytest.fixture(params=["defaults", "small-blocks", "small-pieces", "unpacked"])
def layout(request, monkeypatch):
    """Readings that take every path: blocks of 97 bytes (lines straddle every block end), the
    higher orders in 64-byte pieces on two threads, and rows sorted as rows rather than as keys."""
    if request.param in ("small-blocks", "small-pieces"):
        monkeypatch.setattr(arpa, "BLOCK_BYTES", 97)
    if request.param == "small-pieces":
        monkeypatch.setattr(arpa, "BLOCK_BYTES", 4096)
        monkeypatch.setattr(arpa, "PARALLEL_PARSE_BYTES", 0)
        monkeypatch.setattr(arpa, "MIN_PIECE_BYTES", 64)
        monkeypatch.setattr(arpa, "PARALLEL_SORT_ROWS", 2)
        monkeypatch.setattr(arpa, "available_cores", lambda: 2)
    if request.param == "unpacked":
        monkeypatch.setattr(arpa, "_KEY_BITS", 0)
    return request.param


@pytest.mark.parametrize("path", ARPAS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_compressed_and_mapped_readings_are_the_python_reading(path, tmp_path, layout):
    expected = python_reading(path)
    assert_model_is(read_arpa(path), expected)
    plain = tmp_path / "lm.arpa"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert_model_is(read_arpa(plain), expected)


def test_stdin_reading_is_the_python_reading():
    path = DATA / "en" / "kenlm" / "o3.arpa.gz"
    code = "import sys; from ngramkit.arpa import read_arpa; m = read_arpa('-'); print(*m.sizes())"
    run = subprocess.run([sys.executable, "-c", code], input=gzip.decompress(path.read_bytes()),
                         capture_output=True, check=True)
    assert run.stdout.split() == [b"12041", b"63039", b"96917"]


@pytest.mark.parametrize("path", ARPAS[:2], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_limit_vocab_keeps_the_n_grams_of_its_words(path, layout):
    words = [w for w in python_reading(path)[0].words][::3]
    vocab = Vocabulary(words + ["not-in-the-model"])
    assert_model_is(read_arpa(path, vocab=vocab, limit_vocab=True), python_reading(path, vocab))


TINY = """\\data\\
ngram 1=4
ngram 2=3
ngram 3=2

\\1-grams:
-99\t<s>\t-0.5
-1.0\t</s>
-0.5\ta\t-0.25
-0.8\tb\t-0.1

\\2-grams:
-0.2\t<s> a\t-0.1
-0.3\ta b
-0.4\tb </s>

\\3-grams:
-0.6\t<s> a b
-0.7\ta b </s>

\\end\\
"""


@pytest.mark.parametrize("name", ["lm.arpa", "lm.arpa.gz"])
@pytest.mark.parametrize("old, new, line, message", [
    # the second of the two lines is named, in a packed order and in the highest
    ("-0.4\tb </s>", "-0.4\ta b", 15, "duplicate 2-gram"),
    ("-0.7\ta b </s>", "-0.7\t<s> a b", 19, "duplicate 3-gram"),
])
def test_duplicate_is_named_by_a_second_reading(tmp_path, name, old, new, line, message, layout):
    text = TINY.replace(old, new)
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    with pytest.raises(FormatError) as info:
        read_arpa(path)
    assert (info.value.path, info.value.line, info.value.message) == (path, line, message)


def test_duplicate_on_stdin_has_no_line():
    text = TINY.replace("-0.4\tb </s>", "-0.4\ta b")
    code = ("from ngramkit.arpa import read_arpa\nfrom ngramkit.errors import FormatError\n"
            "try:\n    read_arpa('-')\nexcept FormatError as e:\n    print(e.line, e.message)")
    run = subprocess.run([sys.executable, "-c", code], input=text.encode(), capture_output=True, check=True)
    assert run.stdout.decode().strip() == "None duplicate 2-gram"


def test_in_place_key_sort_orders_keys_and_carries_values():
    rng = np.random.default_rng(7)
    keys = rng.integers(0, 1 << 40, 5000).astype(np.int64)
    keys[100:600] = keys[3]  # runs of equal keys
    first = rng.random(5000).astype(np.float32)
    second = rng.random(5000).astype(np.float32)
    order = np.argsort(keys, kind="stable")
    expected_keys = keys[order]
    pairs = sorted(zip(keys.tolist(), first.tolist(), second.tolist()))
    arpa._sort_keys(keys, first, second, 0, len(keys))
    np.testing.assert_array_equal(keys, expected_keys)
    # each key kept its own values (equal keys may come in any order)
    assert sorted(zip(keys.tolist(), first.tolist(), second.tolist())) == pairs


def test_packed_keys_unpack_over_themselves():
    rows = np.array([[3, 1, 2], [0, 5, 7], [7, 7, 7], [1, 0, 0]], dtype=np.int32)
    bits = 3
    packed = np.empty_like(rows)
    keys = packed.reshape(-1)[:2 * len(rows)].view(np.int64)
    keys[:] = (rows[:, 0].astype(np.int64) << 6) | (rows[:, 1] << 3) | rows[:, 2]
    arpa._unpack_keys(packed.reshape(-1), keys, 3, bits, len(rows))
    np.testing.assert_array_equal(packed, rows)


PEAK = textwrap.dedent("""
    import sys
    import numpy as np
    from ngramkit import arpa

    arpa.BLOCK_BYTES = 1 << 20  # the blocks are small beside the model, as they are beside a large one

    def status(field):
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith(field + ":"))

    arpa.read_arpa(sys.argv[2])  # the kernels are loaded before the peak is reset
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = status("VmRSS")
    model = arpa.read_arpa(sys.argv[1])
    arrays = sum(a.nbytes for a in model.ngrams + model.logprob + model.backoff)
    print(status("VmHWM") - before, arrays)
""")


def synthetic_arpa(path, words, sizes, seed=3):
    """An ARPA text of `words` 1-grams and random n-grams of the `sizes` of orders 2.. (in random
    order, as a hash-ordered file lists them); gzipped for a .gz name."""
    rng = np.random.default_rng(seed)
    order = len(sizes) + 1
    vocab = [f"w{i}" for i in range(words)]
    lines = ["\\data\\"] + [f"ngram {k}={n}" for k, n in enumerate([words] + sizes, 1)] + ["", "\\1-grams:"]
    lines += [f"-{1 + i % 5}.25\t{w}\t-0.5" for i, w in enumerate(vocab)]
    for k, n in enumerate(sizes, 2):
        ids = np.unique(rng.integers(0, words, (n * 2, k)), axis=0)[:n]
        ids = ids[rng.permutation(n)]
        names = np.array(vocab)[ids]
        tail = f"\t-0.{k}" if k < order else ""
        lines += ["", f"\\{k}-grams:"] + [f"-1.{k}\t{' '.join(row)}{tail}" for row in names.tolist()]
    text = "\n".join(lines + ["", "\\end\\", ""]).encode()
    path.write_bytes(gzip.compress(text, 1) if path.name.endswith(".gz") else text)


def test_five_grams_of_a_large_vocabulary(tmp_path, layout):
    # 20003 words take 15 bits: four ids fit a key, five do not (those rows are sorted as rows)
    path = tmp_path / "lm5.arpa.gz"
    synthetic_arpa(path, 20000, [3000, 3000, 3000, 3000])
    expected = python_reading(path)
    assert_model_is(read_arpa(path), expected)
    plain = tmp_path / "lm5.arpa"
    plain.write_bytes(gzip.decompress(path.read_bytes()))
    assert_model_is(read_arpa(plain), expected)


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's peak-RSS reset")
def test_peak_memory_is_little_more_than_the_model(tmp_path):
    # 1.7M n-grams in a 37 MB file: reading the whole text (and its parsed copy) would need
    # well over twice the model's arrays.
    big, tiny = tmp_path / "big.arpa", tmp_path / "tiny.arpa"
    synthetic_arpa(big, 20000, [400_000, 1_300_000])
    synthetic_arpa(tiny, 10, [20, 20])
    run = subprocess.run([sys.executable, "-c", PEAK, str(big), str(tiny)], capture_output=True, text=True,
                         check=True)
    peak, arrays = map(int, run.stdout.split())
    assert big.stat().st_size > arrays
    assert peak < 1.3 * arrays, (peak, arrays)
