"""pyctcdecode's beam search on our Model gives what it gives on kenlm.Model.

pyctcdecode is installed for the tests without its declared dependencies (it
pins numpy<2); these tests skip without it, and the comparison with the live
kenlm module skips without kenlm (the reference values below come from it).
"""

import os
import sys
from pathlib import Path

import numpy as np
import pytest

pyctcdecode = pytest.importorskip("pyctcdecode")
from pyctcdecode.language_model import load_unigram_set_from_arpa  # noqa: E402

import ngramkit  # noqa: E402
import ngramkit.ctc  # noqa: E402
from ngramkit.arpa import read_arpa, write_arpa  # noqa: E402
from ngramkit.ctc import build_ctcdecoder  # noqa: E402

SRILM_ARPA = Path(__file__).parent / "data" / "reference" / "en" / "srilm" / "mkn3.arpa.gz"
LABELS = [""] + list(" abcdefghijklmnopqrstuvwxyz'")
TEXT = "we welcome them as allies and as friends"
# Without a language model the greedy path reads "we walcona tham es elliaz emd as freemdz".
CONFUSABLE = {"e": "a", "a": "e", "o": "u", "i": "e", "s": "z", "m": "n", "n": "m", "t": "d", "d": "t"}
# decode_beams on kenlm.Model (kenlm 0.3.0, pyctcdecode 0.5.0): (text, logit score, LM score) of the best beams.
KENLM_BEAMS = [
    (TEXT, -24.952241717571503, -41.29691276821813),
    ("we welcome than as allies and as friends", -24.644854842418916, -42.210559504921086),
    ("we welcome then as allies and as friends", -25.1005948173945, -42.6984803582638),
]


def fixed_logits():
    """Log-probabilities of TEXT's characters, each frame followed by a blank, where
    a confusable letter is almost as likely as the right one."""
    rng = np.random.default_rng(0)
    frames = []
    for c in TEXT:
        row = rng.normal(0, 0.5, len(LABELS))
        row[LABELS.index(c)] += 6
        if c in CONFUSABLE:
            row[LABELS.index(CONFUSABLE[c])] += 5.8
        frames.append(row)
        row = rng.normal(0, 0.5, len(LABELS))
        row[0] += 6
        frames.append(row)
    logits = np.array(frames, dtype=np.float32)
    return logits - np.log(np.exp(logits).sum(1, keepdims=True))


@pytest.fixture(scope="module")
def kenlm_style_arpa(tmp_path_factory):
    path = tmp_path_factory.mktemp("ctc") / "mkn3.arpa"
    write_arpa(read_arpa(SRILM_ARPA), path, style="kenlm")
    return path


def test_unigrams_reach_pyctcdecode(kenlm_style_arpa, tmp_path):
    model = ngramkit.Model(SRILM_ARPA)
    assert len(model.unigrams) == model.sizes[0] == 12040 and "</s>" in model.unigrams
    # pyctcdecode reads a unigram only from a line with a backoff column: a KenLM-style file has one on every line.
    assert load_unigram_set_from_arpa(str(kenlm_style_arpa)) == set(model.unigrams)
    write_arpa(read_arpa(SRILM_ARPA), tmp_path / "srilm.arpa")
    assert set(model.unigrams) - load_unigram_set_from_arpa(str(tmp_path / "srilm.arpa")) == {"</s>"}


@pytest.mark.parametrize("source", ["arpa", "binary"])
def test_decoder_on_ngramkit_matches_kenlm_reference(source, tmp_path):
    model = ngramkit.Model(SRILM_ARPA)
    if source == "binary":
        ngramkit.load(SRILM_ARPA).write(tmp_path / "mkn3.ngk")
        model = ngramkit.Model(tmp_path / "mkn3.ngk")
    decoder = build_ctcdecoder(LABELS, model)
    logits = fixed_logits()
    assert pyctcdecode.build_ctcdecoder(LABELS).decode(logits) == "we walcona tham es elliaz emd as freemdz"
    assert decoder.decode(logits) == TEXT
    beams = decoder.decode_beams(logits)
    for (text, _, _, logit_score, lm_score), (ref_text, ref_logit, ref_lm) in zip(beams, KENLM_BEAMS):
        assert text == ref_text
        assert logit_score == pytest.approx(ref_logit, abs=1e-9)
        assert lm_score == pytest.approx(ref_lm, abs=1e-9)


def test_decoder_on_ngramkit_matches_live_kenlm(kenlm_style_arpa):
    pytest.importorskip("kenlm")
    ours = build_ctcdecoder(LABELS, ngramkit.Model(SRILM_ARPA)).decode_beams(fixed_logits())
    theirs = pyctcdecode.build_ctcdecoder(LABELS, kenlm_model_path=str(kenlm_style_arpa)).decode_beams(fixed_logits())
    assert len(ours) == len(theirs) > 3
    assert beam_fields(ours) == beam_fields(theirs)
    ours = build_ctcdecoder(LABELS, ngramkit.Model(SRILM_ARPA))
    theirs = pyctcdecode.build_ctcdecoder(LABELS, kenlm_model_path=str(kenlm_style_arpa))
    for beam_width in (20, 100):
        for options in ({"prune_history": True}, {"hotwords": ["alias", "friend"]}):
            assert beam_fields(ours.decode_beams(fixed_logits(), beam_width, **options)) == \
                beam_fields(theirs.decode_beams(fixed_logits(), beam_width, **options))


@pytest.fixture
def ngramkit_as_kenlm(monkeypatch):
    """pyctcdecode with ngramkit in place of the kenlm module (its modules bound the name on import)."""
    from pyctcdecode import decoder, language_model

    monkeypatch.setitem(sys.modules, "kenlm", ngramkit)
    monkeypatch.setattr(decoder, "kenlm", ngramkit, raising=False)
    monkeypatch.setattr(language_model, "kenlm", ngramkit, raising=False)


@pytest.fixture(scope="module")
def ngk_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("ngk") / "mkn3.ngk"
    ngramkit.load(SRILM_ARPA).write(path)
    return path


def test_build_ctcdecoder_reads_unigrams_of_a_binary(ngk_model):
    decoder = build_ctcdecoder(LABELS, str(ngk_model))
    assert decoder._language_model._unigram_set == set(ngramkit.Model(ngk_model).unigrams)
    assert decoder.decode(fixed_logits()) == TEXT


def beam_fields(beams):
    """What decode_beams returns but the LM state: text, word frames, logit score, LM score."""
    return [(b[0], b[2], b[3], b[4]) for b in beams]


def test_batched_decoder_equals_pyctcdecode_on_one_call_per_word():
    from ngramkit.ctc import LanguageModel

    lm = LanguageModel(ngramkit.Model(SRILM_ARPA))
    alphabet = pyctcdecode.Alphabet.build_alphabet(LABELS)
    ours, theirs = ngramkit.ctc.BeamSearchDecoderCTC(alphabet, lm), pyctcdecode.BeamSearchDecoderCTC(alphabet, lm)
    logits = fixed_logits()
    probabilities = np.exp(logits)  # float32 probabilities: pyctcdecode's own search, float32 sums
    for beam_width in (5, 20, 100):
        for options in ({}, {"prune_history": True}, {"hotwords": ["alias", "friend"]},
                        {"beam_prune_logp": -3.0, "token_min_logp": -8.0}):
            for x in (logits, probabilities):
                assert beam_fields(ours.decode_beams(x, beam_width, **options)) == \
                    beam_fields(theirs.decode_beams(x, beam_width, **options)), (beam_width, options)
        assert ours.decode(logits, beam_width) == theirs.decode(logits, beam_width)
    assert ours.decode(logits) == TEXT
    # a decoder kept stateful across calls starts from the state it is given
    state = ours.decode_beams(logits[:30])[0][1]
    assert beam_fields(ours.decode_beams(logits[30:], lm_start_state=state)) == \
        beam_fields(theirs.decode_beams(logits[30:], lm_start_state=state))
    # with score_boundary off, </s> adds nothing
    lm.reset_params(score_boundary=False)
    assert beam_fields(ours.decode_beams(logits)) == beam_fields(theirs.decode_beams(logits))


def test_partial_word_scores_are_pyctcdecodes():
    from pyctcdecode.language_model import LanguageModel as PyctcdecodeLanguageModel

    from ngramkit.ctc import LanguageModel

    lm = LanguageModel(ngramkit.Model(SRILM_ARPA))
    words = sorted(lm._unigram_set)
    partials = {w[:i] for w in words[::97] for i in range(1, len(w) + 1)}
    partials |= {p + c for p in list(partials)[:3000] for c in "aeiouz'"} | {"", "zzzzzzzzq", "allies", "alliesx"}
    assert len(partials) > 5000
    for partial in sorted(partials):
        expected = PyctcdecodeLanguageModel.score_partial_token(lm, partial)
        assert lm.score_partial_token(partial) == expected, partial
        assert lm.score_partial_token(partial) == expected  # from the cache
    # unk offset -10 unless a unigram begins with it, times length / 6 past 6 characters
    assert lm.score_partial_token("allie") == 0.0 and lm.score_partial_token("alliex") == -10.0
    assert lm.score_partial_token("alliesx") == -10.0 * 7 / 6


def test_pyctcdecode_on_ngramkit_as_kenlm_saves_and_loads(ngramkit_as_kenlm, ngk_model, tmp_path):
    unigrams = ngramkit.Model(ngk_model).unigrams
    # pyctcdecode reads .bin files; ngramkit reads a model by its content
    binary = tmp_path / "mkn3.bin"
    binary.write_bytes(ngk_model.read_bytes())
    decoder = pyctcdecode.build_ctcdecoder(LABELS, kenlm_model_path=str(binary), unigrams=unigrams)
    assert isinstance(decoder._language_model._kenlm_model, ngramkit.Model)
    beams = decoder.decode_beams(fixed_logits())
    (tmp_path / "saved").mkdir()
    decoder.save_to_dir(str(tmp_path / "saved"))
    loaded = pyctcdecode.BeamSearchDecoderCTC.load_from_dir(str(tmp_path / "saved"))
    assert [b[0] for b in loaded.decode_beams(fixed_logits())] == [b[0] for b in beams]
    assert beams[0][0] == TEXT
    # ngramkit's decoder of a .ngk model saves a directory pyctcdecode loads
    ours = build_ctcdecoder(LABELS, str(ngk_model))
    (tmp_path / "ours").mkdir()
    ours.save_to_dir(str(tmp_path / "ours"))
    assert sorted(os.listdir(tmp_path / "ours" / "language_model")) == ["attrs.json", "mkn3.ngk.bin", "unigrams.txt"]
    for loader in (pyctcdecode.BeamSearchDecoderCTC, ngramkit.ctc.BeamSearchDecoderCTC):
        again = loader.load_from_dir(str(tmp_path / "ours"))
        assert [(b[0], b[3], b[4]) for b in again.decode_beams(fixed_logits())] == \
            [(b[0], b[3], b[4]) for b in ours.decode_beams(fixed_logits())]
