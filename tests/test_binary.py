import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import ngramkit
from ngramkit.binary import MAGIC, read_arrays
from ngramkit.cli.main import main
from ngramkit.errors import FormatError, OutputError
from ngramkit.lm import BINARY_KIND

DATA = Path(__file__).parent / "data" / "reference"
KENLM_ARPA = DATA / "en" / "kenlm" / "o3.arpa.gz"
SRILM_ARPA = DATA / "en" / "srilm" / "mkn3.arpa.gz"
ROWS = [json.loads(line) for line in (DATA / "en" / "kenlm" / "o3.full_scores.jsonl").open()]
SENTENCES = [row["sentence"] for row in ROWS] + ["", "qqqq the zzzz"]


def build(arpa, binary):
    result = CliRunner().invoke(main, ["build-binary", str(arpa), str(binary)])
    assert result.exit_code == 0, result.output
    return binary


@pytest.fixture(scope="module")
def kenlm_binary(tmp_path_factory):
    return build(KENLM_ARPA, tmp_path_factory.mktemp("binary") / "o3.ngk")


@pytest.mark.parametrize("arpa", [KENLM_ARPA, SRILM_ARPA], ids=["kenlm", "srilm"])
def test_binary_scores_identically_to_arpa(arpa, tmp_path):
    from_arpa = ngramkit.Model(arpa)
    from_binary = ngramkit.Model(build(arpa, tmp_path / "lm.ngk"))
    assert from_binary.order == from_arpa.order and from_binary.sizes == from_arpa.sizes
    assert from_binary.vocab == from_arpa.vocab and from_binary.unigrams == from_arpa.unigrams
    np.testing.assert_array_equal(from_binary.score_batch(SENTENCES), from_arpa.score_batch(SENTENCES))
    for got, expected in zip(from_binary.full_scores_batch(SENTENCES), from_arpa.full_scores_batch(SENTENCES)):
        np.testing.assert_array_equal(got, expected)
    assert from_binary.score(SENTENCES[3]) == from_arpa.score(SENTENCES[3])


def test_binary_matches_kenlm_reference_and_state_api(kenlm_binary):
    model = ngramkit.Model(kenlm_binary)
    assert model.path == os.fsencode(kenlm_binary) and "the" in model and "<unk>" not in model
    np.testing.assert_allclose(model.score_batch([row["sentence"] for row in ROWS]),
                               [row["score"] for row in ROWS], atol=1e-5, rtol=0)
    state, out = ngramkit.State(), ngramkit.State()
    model.BeginSentenceWrite(state)
    for word, (ref_p, ref_n, ref_oov) in zip(ROWS[0]["sentence"].split(), ROWS[0]["full_scores"]):
        full = model.BaseFullScore(state, word, out)
        assert full.log_prob == pytest.approx(ref_p, abs=1e-5) and (full.ngram_length, full.oov) == (ref_n, ref_oov)
        state, out = out, state


def test_binary_arrays_are_mapped_aligned_and_read_only(kenlm_binary):
    info, arrays = read_arrays(kenlm_binary, BINARY_KIND)
    assert info["sizes"] == ngramkit.Model(KENLM_ARPA).sizes
    for name, array in arrays.items():
        assert array.ctypes.data % 64 == 0, name
        assert not array.flags.writeable, name
    header = kenlm_binary.read_bytes()[:32]
    assert header.startswith(MAGIC) and struct.unpack("<I", header[16:20]) == (1,)


def test_truncated_binary(kenlm_binary, tmp_path):
    data = kenlm_binary.read_bytes()
    for cut in (len(data) - 100, 20):
        bad = tmp_path / f"cut{cut}.ngk"
        bad.write_bytes(data[:cut])
        with pytest.raises(FormatError, match="binary model truncated") as info:
            ngramkit.Model(bad)
        assert str(info.value).startswith(f"{bad}: ")


def test_wrong_version_binary(kenlm_binary, tmp_path):
    data = bytearray(kenlm_binary.read_bytes())
    data[16:20] = struct.pack("<I", 99)
    bad = tmp_path / "v99.ngk"
    bad.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="format version 99; this ngramkit reads version 1"):
        ngramkit.Model(bad)


def test_foreign_files(tmp_path):
    foreign = tmp_path / "picture.png"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(FormatError, match="not an ngramkit binary model"):
        read_arrays(foreign, BINARY_KIND)
    # Without the magic bytes, Model reads an ARPA file, and says it is none.
    result = CliRunner().invoke(main, ["build-binary", str(foreign), str(tmp_path / "out.ngk")])
    assert result.exit_code == FormatError.exit_status
    assert result.output.strip().splitlines() == [f"ngramkit build-binary: {foreign}: no \\data\\ line: not an ARPA file"]
    assert not (tmp_path / "out.ngk").exists()


def test_compressed_or_unwritable_binary_output(tmp_path):
    model = ngramkit.load(KENLM_ARPA)
    with pytest.raises(OutputError, match="must be a plain file"):
        model.write(tmp_path / "lm.ngk.gz", format="ngk")
    with pytest.raises(OutputError, match="directory does not exist"):
        model.write(tmp_path / "missing" / "lm.ngk")


def test_model_with_an_empty_order_round_trips(tmp_path):
    """A 3-gram model whose cutoffs left no trigram: the empty table is written and read back."""
    arpa = tmp_path / "t.arpa"
    arpa.write_text("\\data\\\nngram 1=3\nngram 2=1\nngram 3=0\n\n\\1-grams:\n-0.5\t</s>\n-99\t<s>\t-0.3\n"
                    "-0.2\ta\t-0.1\n\n\\2-grams:\n-0.1\t<s> a\n\n\\3-grams:\n\n\\end\\\n")
    binary = build(arpa, tmp_path / "t.ngk")
    model = ngramkit.load(binary)
    assert model.sizes() == [3, 1, 0] and model.ngrams[2].shape == (0, 3)


def test_text_options_of_a_binary_model_are_refused(kenlm_binary, tmp_path, capsys):
    from ngramkit.cli.ngram import main as ngram_main

    vocab = tmp_path / "v.txt"
    vocab.write_text("the\n")
    with pytest.raises(SystemExit) as exc:
        ngram_main(["-lm", str(kenlm_binary), "-vocab", str(vocab), "-ppl", str(vocab)])
    assert exc.value.code == 2
    assert capsys.readouterr().err == f"ngram: -vocab: applies to ARPA files, not to ngk files like {kenlm_binary}\n"
