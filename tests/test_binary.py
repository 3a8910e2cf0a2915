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


def _header(data):
    _, _, header_len, _ = struct.unpack_from("<16sIIQ", data)
    return header_len, json.loads(data[32:32 + header_len])


def without_checksums(data):
    """The bytes of a binary model as an ngramkit without checksums wrote it: its header without
    "crc32", padded with blanks (which JSON allows) so that no array moves."""
    header_len, header = _header(data)
    del header["crc32"]
    return data[:32] + json.dumps(header).encode("utf-8").ljust(header_len) + data[32 + header_len:]


def with_array_changed(data, name, change):
    """The bytes of a binary model with change(array) applied to its array `name` in place."""
    data = bytearray(data)
    for array_name, dtype, shape, offset in _header(data)[1]["arrays"]:
        if array_name == name:
            change(np.frombuffer(data, dtype=dtype, count=int(np.prod(shape)), offset=offset).reshape(shape))
    return bytes(data)


def test_checksums_are_the_crc32_of_each_arrays_bytes(kenlm_binary):
    import zlib

    data = kenlm_binary.read_bytes()
    header = _header(data)[1]
    assert sorted(header["crc32"]) == sorted(name for name, *_ in header["arrays"])
    for name, dtype, shape, offset in header["arrays"]:
        nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
        assert header["crc32"][name] == zlib.crc32(data[offset:offset + nbytes]), name


def _flip_first_key(table):
    table[np.flatnonzero(table[:, 0] != -1)[0], 0] ^= 1


def _flip_first_used_cell(cells):
    """A bit of the first int32 cell of the n-gram tables that is not an empty slot's."""
    cells[np.flatnonzero(cells != -1)[0]] ^= 1


def test_damaged_arrays_fail_their_checksums(kenlm_binary, tmp_path):
    data = kenlm_binary.read_bytes()
    bad = tmp_path / "bad.ngk"
    bad.write_bytes(with_array_changed(data, "word_table", _flip_first_key))
    with pytest.raises(FormatError) as info:
        ngramkit.Model(bad)
    assert str(info.value) == f"{bad}: binary model is damaged: its array 'word_table' fails its CRC-32 check"
    # The n-gram tables are verified on request only: loading them stays a memory map.
    bad.write_bytes(with_array_changed(data, "entries", _flip_first_used_cell))
    assert ngramkit.Model(bad).order == 3
    with pytest.raises(FormatError, match="its array 'entries' fails its CRC-32 check"):
        ngramkit.Model(bad, verify=True)
    assert ngramkit.Model(kenlm_binary, verify=True).score(SENTENCES[3]) == ngramkit.Model(kenlm_binary).score(
        SENTENCES[3])


def test_binary_without_checksums_loads_but_cannot_be_verified(kenlm_binary, tmp_path):
    older = tmp_path / "older.ngk"
    older.write_bytes(without_checksums(kenlm_binary.read_bytes()))
    np.testing.assert_array_equal(ngramkit.Model(older).score_batch(SENTENCES),
                                  ngramkit.Model(kenlm_binary).score_batch(SENTENCES))
    with pytest.raises(FormatError, match="holds no checksums to verify .* rebuild it with ngramkit build-binary"):
        ngramkit.Model(older, verify=True)


def _set(name, index, value):
    def change(array):
        array[index] = value(array) if callable(value) else value
    return name, change


# Damage that bounds compiled code's reads, made in files without checksums: loading checks
# each such value itself.
UNSAFE_DAMAGE = {
    "word id past the vocabulary": (_set("word_table", (np.s_[:], 1), lambda t: np.where(
        t[:, 1] == t[:, 1].max(), t[:, 1].max() + 1, t[:, 1])), "binary model's word table is corrupt"),
    "word id twice": (_set("word_table", (np.s_[:], 1), lambda t: np.where(t[:, 1] == 5, 6, t[:, 1])),
                      "binary model's word table is corrupt"),
    "id in an empty slot": (_set("word_table", (np.s_[:], 1), lambda t: np.where(t[:, 0] == -1, 0, t[:, 1])),
                            "binary model's word table is corrupt"),
    "table offset": (_set("meta", (3, 0), lambda m: m[3, 0] + 1), "binary model's n-gram table layout is corrupt"),
    "table size": (_set("meta", (3, 1), 1 << 40), "binary model's n-gram table layout is corrupt"),
    "table smaller than its n-grams": (_set("meta", (2, 1), 1), "binary model's n-gram table layout is corrupt"),
    "word offsets falling": (_set("word_offsets", 3, lambda o: o[2] - 1),
                             "binary model's word offsets do not fit its word pool (corrupt file)"),
    "word offsets past the pool": (_set("word_offsets", -1, lambda o: o[-1] + 1),
                                   "binary model's word offsets do not fit its word pool (corrupt file)"),
}


@pytest.mark.parametrize("damage", sorted(UNSAFE_DAMAGE))
def test_unsafe_damage_without_checksums_is_an_error(kenlm_binary, tmp_path, damage):
    (name, change), message = UNSAFE_DAMAGE[damage]
    bad = tmp_path / "bad.ngk"
    bad.write_bytes(with_array_changed(without_checksums(kenlm_binary.read_bytes()), name, change))
    with pytest.raises(FormatError) as info:
        ngramkit.Model(bad)
    assert str(info.value) == f"{bad}: {message}"


HEADER_FAULT = "binary model header is corrupt (sizes or special words)"


@pytest.mark.parametrize("entry,value,message", [
    ("specials", [0, 1, 10 ** 6], HEADER_FAULT), ("specials", [0, 1], HEADER_FAULT),
    ("sizes", [1, 2, "3"], HEADER_FAULT), ("sizes", [10 ** 6, 1, 1], HEADER_FAULT),
    ("sizes", [5, 5], "binary model's n-gram table layout is corrupt")])
def test_header_sizes_and_special_ids_are_checked(kenlm_binary, tmp_path, entry, value, message):
    from ngramkit.binary import write_arrays

    info, arrays = read_arrays(kenlm_binary, BINARY_KIND)
    bad = tmp_path / "bad.ngk"
    write_arrays(bad, BINARY_KIND, {**info, entry: value}, dict(arrays))
    with pytest.raises(FormatError) as error:
        ngramkit.Model(bad)
    assert str(error.value) == f"{bad}: {message}"


def test_word_pool_not_utf8_is_an_error_naming_the_file(kenlm_binary, tmp_path):
    bad = tmp_path / "bad.ngk"
    bad.write_bytes(with_array_changed(without_checksums(kenlm_binary.read_bytes()), "word_pool",
                                       lambda pool: pool.__setitem__(0, 0xFF)))
    model = ngramkit.Model(bad)
    with pytest.raises(FormatError) as info:
        _ = model.vocab
    assert str(info.value) == f"{bad}: binary model's word pool is not UTF-8 (corrupt file)"
