"""KenLM binary files: reading what KenLM's build_binary wrote, writing what it writes.

The binaries in tests/data/kenlm were made by KenLM's build_binary (commit 4cb443e) from
KenLM's own test models; see the README there. Those in tests/data/kenlm_order were made by
lmplz and build_binary from ARPAs whose lines are not in sorted order (lmplz's, SRILM's).
"""

import gzip
import random
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli

from ngramkit.arpa import read_arpa, write_arpa
from ngramkit.cli.build_binary import main as build_binary_main
from ngramkit.errors import FormatError, UsageError
from ngramkit.kenlm_binary import is_kenlm_binary, read_kenlm_binary, trie, write_kenlm_binary
from ngramkit.lm import Model

DATA = Path(__file__).parent / "data" / "kenlm"
ORDERED = Path(__file__).parent / "data" / "kenlm_order"  # ARPAs in lmplz's and SRILM's line orders
SHARED = Path(__file__).resolve().parents[2] / "shared"
KENLM_BIN = SHARED / "anchors" / "kenlm" / "bin"
BUILD_BINARY = KENLM_BIN / "build_binary"

VARIANTS = {  # file suffix -> write_kenlm_binary options (build_binary's flags)
    "probing": dict(layout="probing"),
    "trie": dict(layout="trie"),
    "q8b8.trie": dict(layout="trie", prob_bits=8, backoff_bits=8),
    "a22.trie": dict(layout="trie", pointer_bits=22),
    "q8b8a22.trie": dict(layout="trie", prob_bits=8, backoff_bits=8, pointer_bits=22),
}
MODELS = ("test", "test_nounk")
SENTENCES = [
    "looking on a little more loin",
    "also would consider higher looking",
    "biarritz , . a little more",
    "foo bar baz <unk> biarritz looking on",
    "on a little more loin also would consider higher looking .",
    "</s> <s> <s> a a",
]

try:
    import kenlm
except ImportError:
    kenlm = None


def _equal_models(a, b, backoffs=True):
    assert a.vocab == b.vocab
    assert a.sizes() == b.sizes()
    for k in range(a.order):
        np.testing.assert_array_equal(a.ngrams[k], b.ngrams[k])
        np.testing.assert_array_equal(a.logprob[k], b.logprob[k])
        if backoffs and k < a.order - 1:
            np.testing.assert_array_equal(np.nan_to_num(a.backoff[k]), np.nan_to_num(b.backoff[k]))


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("variant", ["probing", "trie", "a22.trie"])
def test_unquantized_reads_back_the_arpa(name, variant):
    path = DATA / f"{name}.{variant}"
    assert is_kenlm_binary(path)
    _equal_models(read_kenlm_binary(path, drop_blanks=True), read_arpa(DATA / f"{name}.arpa"))


def test_blanks_are_kept_by_default():
    # test.arpa lacks the suffixes of some n-grams; KenLM adds them: 5 bigrams, 2 trigrams, 1 4-gram
    # (the trie's header counts them: 52, 13, 7 against the ARPA's 47, 11, 6).
    model = read_kenlm_binary(DATA / "test.trie")
    assert model.sizes() == [37, 52, 13, 7, 4]
    assert read_kenlm_binary(DATA / "test.probing").sizes() == [37, 52, 13, 7, 4]
    # A blank is valued as backing off values it: the ARPA has "also would consider" but not
    # "would consider", which gets backoff("would") + p("consider") = -0.30103 + -1.687872.
    would, consider = model.vocab.index["would"], model.vocab.index["consider"]
    row = np.flatnonzero((model.ngrams[1] == [would, consider]).all(axis=1))
    assert len(row) == 1
    assert model.logprob[1][row[0]] == np.float32(np.float32(-0.30103) + np.float32(-1.687872))
    assert model.backoff[1][row[0]] == 0


def test_unk_added_by_kenlm_is_left_out():
    model = read_kenlm_binary(DATA / "test_nounk.probing")
    assert model.vocab.unk not in model.ngrams[0][:, 0]
    assert read_kenlm_binary(DATA / "test_nounk.trie").sizes()[0] == 36


def test_quantized_values_are_the_bin_centers():
    # -q 8 -b 8: every value is one of the file's 256 centers; checked against the scores below.
    exact = read_kenlm_binary(DATA / "test.trie")
    quantized = read_kenlm_binary(DATA / "test.q8b8.trie")
    assert quantized.sizes() == exact.sizes()
    for k in range(1, exact.order):
        assert np.abs(quantized.logprob[k] - exact.logprob[k]).max() < 0.05
    np.testing.assert_array_equal(quantized.logprob[0], exact.logprob[0])  # 1-grams are not quantized


@pytest.mark.skipif(kenlm is None, reason="the kenlm module is not installed")
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_scores_as_the_kenlm_module_scores_the_file(name, variant):
    path = str(DATA / f"{name}.{variant}")
    ours = Model.from_ngram_model(read_kenlm_binary(path))
    ref = kenlm.Model(path)
    for sentence in SENTENCES:
        got = np.float32([s[0] for s in ours.full_scores(sentence)])
        want = np.float32([s[0] for s in ref.full_scores(sentence)])
        np.testing.assert_array_equal(got, want, err_msg=sentence)


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("variant", ["trie", "q8b8.trie", "a22.trie", "q8b8a22.trie"])
def test_trie_written_byte_identical_to_build_binary(name, variant, tmp_path):
    # The trie numbers words by hash, so the file does not depend on the ARPA's order.
    out = tmp_path / "out.bin"
    write_kenlm_binary(read_arpa(DATA / f"{name}.arpa"), out, **VARIANTS[variant])
    assert out.read_bytes() == (DATA / f"{name}.{variant}").read_bytes()


@pytest.mark.parametrize("variant", ["trie", "q8b8.trie", "a22.trie", "q8b8a22.trie"])
def test_trie_written_in_pieces_leaves_the_model_as_it_was(variant, monkeypatch, tmp_path):
    # the records go out in pieces of 8 (a byte's worth of records) and the model, not consumed,
    # keeps its arrays in its own order
    monkeypatch.setattr(trie._Body, "PIECE", 8)
    model, again = read_arpa(DATA / "test.arpa"), read_arpa(DATA / "test.arpa")
    out = tmp_path / "out.bin"
    write_kenlm_binary(model, out, **VARIANTS[variant])
    assert out.read_bytes() == (DATA / f"test.{variant}").read_bytes()
    for k in range(model.order):
        np.testing.assert_array_equal(model.ngrams[k], again.ngrams[k])
        np.testing.assert_array_equal(model.logprob[k], again.logprob[k])
        if k < model.order - 1:
            np.testing.assert_array_equal(model.backoff[k], again.backoff[k])


@pytest.mark.skipif(not BUILD_BINARY.exists(), reason="KenLM's build_binary is not available")
@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("flags", [["probing"], ["-p", "2.5", "probing"], ["-q", "4", "-b", "3", "trie"],
                                   ["-u", "-50", "-a", "8", "trie"], ["trie", "-q", "4", "-b", "3"]])
def test_written_byte_identical_to_build_binary(name, flags, tmp_path):
    model = read_arpa(DATA / f"{name}.arpa")
    arpa = tmp_path / "m.arpa"
    write_arpa(model, arpa, style="kenlm")
    ref = tmp_path / "ref.bin"
    subprocess.run([str(BUILD_BINARY), *flags, str(arpa), str(ref)], check=True, capture_output=True)
    ours = tmp_path / "ours.bin"
    build_binary_main([*flags, str(arpa), str(ours)])
    assert ours.read_bytes() == ref.read_bytes()


def test_probing_round_trip(tmp_path):
    # Probing numbers words in the ARPA's 1-gram order, so it is compared after a round trip.
    model = read_arpa(DATA / "test.arpa")
    out = tmp_path / "m.probing"
    write_kenlm_binary(model, out)
    _equal_models(read_kenlm_binary(out, drop_blanks=True), model)


def test_command_line(tmp_path, capsys):
    out = tmp_path / "out.bin"
    build_binary_main(["-q", "8", "-b", "8", "-a", "22", "trie", str(DATA / "test_nounk.arpa"), str(out)])
    assert out.read_bytes() == (DATA / "test_nounk.q8b8a22.trie").read_bytes()
    assert capsys.readouterr().err.splitlines() == [
        "The ARPA file is missing <unk>.  Substituting log10 probability -100.", "SUCCESS"]
    for bad in (["-x", "a", "b"], ["-q", "8", "probing", "a", "b"], ["-q", "26", "trie", "a", "b"], ["a"]):
        with pytest.raises(SystemExit) as exc:
            build_binary_main(bad)
        assert exc.value.code == UsageError.exit_status


def test_without_vocabulary_strings_is_a_clear_error(tmp_path):
    out = tmp_path / "novocab.bin"
    write_kenlm_binary(read_arpa(DATA / "test.arpa"), out, layout="trie", include_vocab=False)
    with pytest.raises(FormatError, match="without its vocabulary strings"):
        read_kenlm_binary(out)


def test_not_kenlm(tmp_path):
    assert not is_kenlm_binary(DATA / "test.arpa")
    with pytest.raises(FormatError, match="not a KenLM binary"):
        read_kenlm_binary(DATA / "test.arpa")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_damaged_files_give_one_line_errors(variant, tmp_path):
    """Truncated, version-changed and byte-flipped files: a FormatError naming the file, or a
    model (a flip in a value changes a value, not the structure) - never another exception."""
    good = (DATA / f"test.{variant}").read_bytes()
    rng = random.Random(1234)
    path = tmp_path / "damaged.bin"
    cases = [good[:n] for n in (0, 10, 60, 100, 200, len(good) // 2, len(good) - 1)]
    cases.append(good.replace(b"format version 5", b"format version 4"))
    for _ in range(150):
        damaged = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        cases.append(bytes(damaged))
    errors = 0
    for data in cases:
        path.write_bytes(data)
        try:
            read_kenlm_binary(path)
        except FormatError as exc:
            assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
            errors += 1
    assert errors >= 9  # at least the truncations and the version change


def test_options_may_follow_the_type():
    # KenLM's build_binary reads its options with GNU getopt: anywhere on the line
    from ngramkit.cli.build_binary import parse_args

    assert parse_args(["trie", "-q", "8", "-b", "8", "in.arpa", "out"]) == \
        parse_args(["-q", "8", "-b", "8", "trie", "in.arpa", "out"])


def _unzipped(path):
    return gzip.decompress(path.read_bytes())


def _ordered_arpa(name, tmp_path):
    """The ARPA of `name` in tests/data/kenlm_order (see its README), as a plain file."""
    if name == "srilm-mkn3-prune":
        data = _unzipped(Path(__file__).parent / "data" / "countopts" / "mkn3-prune.arpa.gz")
    elif name == "o3-nounk":
        lines = _unzipped(ORDERED / "o3.arpa.gz").split(b"\n")
        lines = [b"ngram 1=601" if line == b"ngram 1=602" else line for line in lines
                 if not (line.count(b"\t") == 2 and line.split(b"\t")[1] == b"<unk>")]
        data = b"\n".join(lines)
    else:
        data = _unzipped(ORDERED / f"{name}.arpa.gz")
    path = tmp_path / f"{name}.arpa"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["o3", "o5", "o4-prune011", "o3-nounk", "srilm-mkn3-prune"])
def test_probing_byte_identical_to_build_binary_in_the_arpas_line_order(name, tmp_path, capsys):
    # KenLM inserts n-grams into the hash tables in the ARPA's line order, not sorted order.
    arpa = _ordered_arpa(name, tmp_path)
    out = tmp_path / "out.probing"
    status, _, err = run_cli(build_binary_main, ["probing", str(arpa), str(out)], capsys)
    assert status == 0 and err.splitlines()[-1] == "SUCCESS"
    assert out.read_bytes() == _unzipped(ORDERED / f"{name}.probing.gz")


@pytest.mark.parametrize("name", ["o3", "srilm-mkn3-prune"])
def test_probing_of_a_model_read_with_its_row_order(name, tmp_path):
    arpa = _ordered_arpa(name, tmp_path)
    out = tmp_path / "out.probing"
    write_kenlm_binary(read_arpa(arpa, row_order=True), out)
    assert out.read_bytes() == _unzipped(ORDERED / f"{name}.probing.gz")


@pytest.mark.parametrize("variant", ["trie", "q8b8.trie"])
def test_trie_of_lmplz_arpa_byte_identical_to_build_binary(variant, tmp_path, capsys):
    flags = ["-q", "8", "-b", "8", "trie"] if variant == "q8b8.trie" else ["trie"]
    out = tmp_path / "out.trie"
    status, _, _ = run_cli(build_binary_main, [*flags, str(_ordered_arpa("o3", tmp_path)), str(out)], capsys)
    assert status == 0
    assert out.read_bytes() == _unzipped(ORDERED / f"o3.{variant}.gz")


@pytest.mark.parametrize("name", ["o5", "o4-prune011", "srilm-mkn3-prune"])
def test_trie_with_blanks_byte_identical_to_build_binary(name, tmp_path, capsys):
    # pruned models lack prefixes of their n-grams: the trie holds them as blanks
    out = tmp_path / "out.trie"
    status, _, _ = run_cli(build_binary_main, ["trie", str(_ordered_arpa(name, tmp_path)), str(out)], capsys)
    assert status == 0
    assert out.read_bytes() == _unzipped(ORDERED / f"{name}.trie.gz")


def test_row_order_gives_the_lines_of_each_section(tmp_path):
    arpa = _ordered_arpa("o5", tmp_path)
    model = read_arpa(arpa, row_order=True)
    assert read_arpa(arpa).row_order is None
    sections, k = {}, 0
    for line in arpa.read_text().splitlines():
        if line.endswith("-grams:"):
            k = int(line[1:line.index("-")])
            sections[k] = []
        elif k and line and not line.startswith("\\"):
            sections[k].append(line.split("\t")[1].split(" "))
    assert len(model.row_order) == model.order - 1
    for k in range(2, model.order + 1):
        rows = model.rows_in_file_order(k)
        assert rows is not None and len(rows) == len(sections[k])
        words = np.asarray(model.vocab.words, dtype=object)[model.ngrams[k - 1][rows]]
        assert words.tolist() == sections[k]
    # rows changed since (here: fewer of them) are taken in their own order
    model.ngrams[1] = model.ngrams[1][:-1]
    assert model.rows_in_file_order(2) is None


def _with_lines(arpa, tmp_path, edit):
    """A copy of the ARPA file `arpa` whose lines are edit(lines)."""
    path = tmp_path / f"edited-{arpa.name}"
    path.write_bytes(b"\n".join(edit(arpa.read_bytes().split(b"\n"))))
    return path


@pytest.mark.parametrize("name", ["o3", "o3-nounk", "o5", "srilm-mkn3-prune"])
def test_probing_is_built_while_the_arpa_is_read(name, tmp_path, monkeypatch, capsys):
    # The tables are filled from the parsed runs of lines: the model is never read.
    import ngramkit.kenlm_binary as kenlm_binary

    def no_model(*args, **kwargs):
        raise AssertionError("the model was read")

    monkeypatch.setattr(kenlm_binary, "read_arpa", no_model)
    out = tmp_path / "out.probing"
    status, _, err = run_cli(build_binary_main, ["probing", str(_ordered_arpa(name, tmp_path)), str(out)], capsys)
    assert status == 0
    missing_unk = ["The ARPA file is missing <unk>.  Substituting log10 probability -100."]
    assert err.splitlines() == (missing_unk if "nounk" in name or "srilm" in name else []) + ["SUCCESS"]
    assert out.read_bytes() == _unzipped(ORDERED / f"{name}.probing.gz")


@pytest.mark.parametrize("announced", [b"ngram 3=999", b"ngram 3=2000", b"ngram 2=2000"])
def test_probing_of_an_arpa_whose_counts_differ_from_its_header(announced, tmp_path, capsys):
    # The header's counts size the tables filled while reading; where a section holds another
    # number of n-grams the model is read, as for the trie, and its sizes are the file's.
    arpa = _ordered_arpa("o3", tmp_path)
    edited = _with_lines(arpa, tmp_path, lambda lines: [
        announced if line.startswith(announced[:8]) else line for line in lines])
    out = tmp_path / "out.probing"
    status, _, err = run_cli(build_binary_main, ["probing", str(edited), str(out)], capsys)
    assert status == 0
    k, n = int(announced[6:7]), int(announced[8:])
    read = {2: 1095, 3: 1120}[k]
    end = edited.read_bytes().split(b"\n").index(b"\\end\\") + 1
    assert err.splitlines() == [f"{edited}: line {end}: warning: {read} {k}-grams read, expected {n}", "SUCCESS"]
    assert out.read_bytes() == _unzipped(ORDERED / "o3.probing.gz")


@pytest.mark.parametrize("name", ["o3", "o3-nounk"])
def test_probing_of_an_arpa_with_a_duplicate_ngram_names_its_line(name, tmp_path, capsys):
    arpa = _ordered_arpa(name, tmp_path)

    def doubled(lines):
        at = lines.index(b"\\3-grams:") + 5
        return [line.replace(b"3=1120", b"3=1121") for line in lines[:at + 1]] + lines[at:]

    edited = _with_lines(arpa, tmp_path, doubled)
    line = edited.read_bytes().split(b"\n").index(b"\\3-grams:") + 7
    status, _, err = run_cli(build_binary_main, ["probing", str(edited), str(tmp_path / "out")], capsys)
    # the missing <unk> is not announced: nothing is built
    assert status != 0 and err.splitlines() == [f"build_binary: {edited}:{line}: duplicate 3-gram"]
    assert not (tmp_path / "out").exists()


MISSING_CONTEXT = """\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.3
-0.5\t</s>\t0
-0.6\ta\t-0.2
-0.7\tb\t-0.1

\\2-grams:
-0.4\t<s> a\t-0.1
-0.3\tb </s>\t-0.1
-0.2\ta </s>\t-0.1

\\3-grams:
-0.1\ta b </s>

\\end\\
"""


@pytest.mark.parametrize("layout, message", [
    ("trie", 'the context "a b" of a 3-gram is not among the 2-grams (KenLM needs every context)'),
    ("probing", 'the context of the 3-gram "a b </s>" is not among the 2-grams (KenLM needs every context)'),
])
def test_a_missing_context_names_the_arpa(layout, message, tmp_path, capsys):
    # KenLM's build_binary refuses it too ("... must appear in the model as a 2-gram but it does not")
    arpa = tmp_path / "miss.arpa"
    arpa.write_text(MISSING_CONTEXT)
    out = tmp_path / "out"
    status, _, err = run_cli(build_binary_main, [layout, str(arpa), str(out)], capsys)
    assert status != 0 and err.splitlines() == [f"build_binary: {arpa}: {message}"]
    assert not out.exists()
