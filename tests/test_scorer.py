import copy
import json
import os
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.lm import Model

DATA = Path(__file__).parent / "data" / "reference"
KENLM_ARPA = DATA / "en" / "kenlm" / "o3.arpa.gz"
ROWS = [json.loads(line) for line in (DATA / "en" / "kenlm" / "o3.full_scores.jsonl").open()]


@pytest.fixture(scope="module")
def model():
    return ngramkit.Model(KENLM_ARPA)


def test_attributes(model):
    assert model.order == 3
    assert model.path == os.fsencode(KENLM_ARPA.resolve())
    assert "the" in model and "qqqq" not in model and "<unk>" not in model
    assert len(model.vocab) == 12041 and "knowledge" in model.vocab


def test_score_and_full_scores_match_kenlm(model):
    for row in ROWS:
        assert model.score(row["sentence"]) == pytest.approx(row["score"], abs=1e-5)
        got = list(model.full_scores(row["sentence"]))
        assert len(got) == len(row["full_scores"])
        for (p, n, oov), (ref_p, ref_n, ref_oov) in zip(got, row["full_scores"]):
            assert p == pytest.approx(ref_p, abs=1e-5)
            assert (n, oov) == (ref_n, ref_oov)


def test_batch_matches_kenlm(model):
    sentences = [row["sentence"] for row in ROWS]
    scores = model.score_batch(sentences)
    assert scores.dtype == np.float32 and scores.shape == (len(ROWS),)
    np.testing.assert_allclose(scores, [row["score"] for row in ROWS], atol=1e-5, rtol=0)
    logprob, length, oov, offsets = model.full_scores_batch(sentences)
    for i, row in enumerate(ROWS):
        ref = np.array(row["full_scores"], dtype=np.float64)
        part = slice(offsets[i], offsets[i + 1])
        np.testing.assert_allclose(logprob[part], ref[:, 0], atol=1e-5, rtol=0)
        np.testing.assert_array_equal(length[part], ref[:, 1])
        np.testing.assert_array_equal(oov[part], ref[:, 2].astype(bool))


def test_batch_on_two_threads_equals_one_call(model, monkeypatch):
    sentences = [row["sentence"] for row in ROWS] + ["", "the"]
    one_call = model.full_scores_batch(sentences), model.score_batch(sentences)
    monkeypatch.setattr(ngramkit.lm, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(ngramkit.lm, "available_cores", lambda: 2)
    two_threads = model.full_scores_batch(sentences), model.score_batch(sentences)
    for a, b in zip((*one_call[0], one_call[1]), (*two_threads[0], two_threads[1])):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_tables_filled_in_parallel_equal_one_thread(monkeypatch):
    from ngramkit import scoring

    arpa = read_arpa(KENLM_ARPA)
    one_thread = scoring.ScoringTables.from_model(arpa)
    monkeypatch.setattr(scoring, "PARALLEL_INSERT_ENTRIES", 0)
    monkeypatch.setattr(scoring, "available_cores", lambda: 2)
    parallel = scoring.ScoringTables.from_model(arpa)
    assert one_thread.meta.shape[0] == 4  # two orders with tables, one thread each
    for a, b in zip(one_thread.arrays(), parallel.arrays()):
        np.testing.assert_array_equal(a, b)


def test_state_api_matches_kenlm(model):
    state, out = ngramkit.State(), ngramkit.State()
    for row in ROWS[:10]:
        model.BeginSentenceWrite(state)
        total = 0.0
        for word, (ref_p, ref_n, ref_oov) in zip(row["sentence"].split() + ["</s>"], row["full_scores"]):
            full = model.BaseFullScore(state, word, out)
            assert full.log_prob == pytest.approx(ref_p, abs=1e-5)
            assert (full.ngram_length, full.oov) == (ref_n, ref_oov)
            total += full.log_prob
            state, out = out, state
        assert total == pytest.approx(row["score"], abs=1e-4)


def test_states_compare_copy_and_null_context(model):
    a, b, c = ngramkit.State(), ngramkit.State(), ngramkit.State()
    model.BeginSentenceWrite(a)
    model.BeginSentenceWrite(b)
    assert a == b and hash(a) == hash(b)
    model.BaseScore(a, "the", c)
    assert c != a
    snapshot = copy.copy(c)
    model.BaseScore(c, "house", c)  # in and out may be one object
    assert snapshot != c
    model.NullContextWrite(a)
    # With no context, "the" gets its unigram line "-1.6811942\tthe\t-0.3251389".
    assert model.BaseScore(a, "the", b) == pytest.approx(-1.6811942, abs=1e-7)


def test_bos_eos_flags(model):
    sentence = ROWS[0]["sentence"]
    no_eos = model.score(sentence, eos=False)
    assert no_eos == pytest.approx(sum(p for p, _, _ in ROWS[0]["full_scores"][:-1]), abs=1e-4)
    np.testing.assert_allclose(model.score_batch([sentence], bos=False, eos=False),
                               [model.score(sentence, bos=False, eos=False)], atol=1e-6)
    # An empty sentence is `<s> </s>`; in a batch it keeps its place.
    scores = model.score_batch(["", sentence, ""])
    assert scores[0] == scores[2] == pytest.approx(model.score(""), abs=1e-6)
    # Without `</s>` an empty sentence scores nothing (and `<s>` alone is no token).
    np.testing.assert_array_equal(model.score_batch(["", sentence, "  "], eos=False),
                                  np.array([0.0, model.score(sentence, eos=False), 0.0], dtype=np.float32))
    logprob, _, _, offsets = model.full_scores_batch(["", sentence], eos=False)
    assert offsets.tolist() == [0, 0, len(sentence.split())] and len(logprob) == len(sentence.split())
    assert model.perplexity(sentence) == pytest.approx(10 ** (-ROWS[0]["score"] / 9), rel=1e-5)


def test_missing_unk_scores_minus_100():
    srilm = ngramkit.Model(DATA / "en" / "srilm" / "mkn3.arpa.gz")
    p, n, oov = list(srilm.full_scores("qqqq", bos=False, eos=False))[0]
    assert (p, n, oov) == (-100.0, 1, True)


def test_model_from_arrays_matches_file():
    in_memory = Model.from_ngram_model(read_arpa(KENLM_ARPA))
    assert in_memory.score(ROWS[1]["sentence"]) == pytest.approx(ROWS[1]["score"], abs=1e-5)


# kenlm's API details (kenlm 0.3.0's behaviour, checked by hand against the installed module).


def test_path_is_absolute_bytes(monkeypatch):
    monkeypatch.chdir(DATA / "en" / "kenlm")
    model = ngramkit.Model("o3.arpa.gz")
    assert model.path == os.fsencode(KENLM_ARPA.resolve()) and isinstance(model.path, bytes)
    assert ngramkit.Model(b"o3.arpa.gz").path == model.path
    assert repr(model) == "<ngramkit.Model from o3.arpa.gz>"


def test_state_ordering_hash_and_equality(model):
    null, begin, the, copy_of = ngramkit.State(), ngramkit.State(), ngramkit.State(), None
    model.NullContextWrite(null)
    model.BeginSentenceWrite(begin)
    model.BaseScore(begin, "the", the)
    copy_of = copy.deepcopy(the)
    # kenlm orders states by length first
    assert null.length == 0 and begin.length == 1 and the.length == 2
    assert null < begin < the and the > begin and the >= copy_of and the <= copy_of and not the < copy_of
    assert sorted([the, null, begin]) == [null, begin, the]
    assert copy_of == the and copy_of is not the and hash(copy_of) == hash(the)
    assert (copy_of != the) is False
    assert len({null, begin, the, copy_of}) == 3
    assert (the == 3) is False and the != "the"
    with pytest.raises(TypeError):
        assert the < 3
    # a state pickles with its context
    import pickle

    assert pickle.loads(pickle.dumps(the)) == the


def test_bytes_words(model):
    assert model.score(b"the house is") == model.score("the house is")
    assert list(model.full_scores(b"the house")) == list(model.full_scores("the house"))
    assert model.perplexity(b"the house") == model.perplexity("the house")
    assert b"the" in model and b"qqqq" not in model and "<unk>" not in model


def test_type_errors_as_kenlm(model):
    state, out = ngramkit.State(), ngramkit.State()
    model.BeginSentenceWrite(state)
    for call in (lambda: model.score(None), lambda: model.score(3), lambda: None in model, lambda: 3 in model,
                 lambda: model.perplexity(None), lambda: list(model.full_scores(None)),
                 # kenlm's BaseScore and BaseFullScore take str words only
                 lambda: model.BaseScore(state, b"the", out), lambda: model.BaseScore(state, None, out),
                 lambda: model.BaseScore(state, 3, out), lambda: model.BaseFullScore(state, b"the", out),
                 lambda: model.BaseScore(state, "the", None), lambda: model.BaseScore(3, "the", out),
                 lambda: model.BeginSentenceWrite(3), lambda: model.NullContextWrite(None),
                 lambda: ngramkit.Model(None), lambda: ngramkit.Model(3),
                 lambda: ngramkit.Model(KENLM_ARPA, 3)):
        with pytest.raises(TypeError):
            call()


def test_missing_file_is_an_os_error(tmp_path):
    from ngramkit.errors import MissingFileError

    with pytest.raises(FileNotFoundError) as info:
        ngramkit.Model(tmp_path / "absent.arpa")
    assert isinstance(info.value, OSError) and isinstance(info.value, MissingFileError)
    assert str(info.value) == f"{tmp_path / 'absent.arpa'}: no such file"
    with pytest.raises(OSError):
        ngramkit.Model(tmp_path)  # a directory


def test_missing_model_is_one_line_on_the_command_line(tmp_path, capsys):
    from ngramkit.cli.common import run

    missing = tmp_path / "absent.arpa"
    with pytest.raises(SystemExit) as exit_info:
        run("ngramkit", ngramkit.Model, missing)
    assert exit_info.value.code == 3
    assert capsys.readouterr().err == f"ngramkit: {missing}: no such file\n"


def test_config_and_kenlm_names(model):
    config = ngramkit.Config()
    assert (config.load_method, config.show_progress, config.arpa_complain) == (2, True, 0)
    config.load_method = ngramkit.LoadMethod.LAZY
    config.arpa_complain = ngramkit.ARPALoadComplain.NONE
    with pytest.raises(AttributeError):
        config.no_such_option = 1
    assert (ngramkit.LoadMethod.LAZY, ngramkit.LoadMethod.POPULATE_OR_LAZY, ngramkit.LoadMethod.POPULATE_OR_READ,
            ngramkit.LoadMethod.READ, ngramkit.LoadMethod.PARALLEL_READ) == (0, 1, 2, 3, 4)
    assert (ngramkit.ARPALoadComplain.ALL, ngramkit.ARPALoadComplain.EXPENSIVE,
            ngramkit.ARPALoadComplain.NONE) == (0, 1, 2)
    configured = ngramkit.Model(KENLM_ARPA, config)
    assert ngramkit.Model(KENLM_ARPA, config=None).score("the house") == configured.score("the house")
    old_name = ngramkit.LanguageModel(KENLM_ARPA)
    assert isinstance(old_name, ngramkit.Model) and old_name.score("the house") == model.score("the house")


def test_pickle_holds_the_path(model):
    import pickle

    data = pickle.dumps(model)
    assert len(data) < 500 and model.path in data
    again = pickle.loads(data)
    assert again.path == model.path and again.score(ROWS[2]["sentence"]) == model.score(ROWS[2]["sentence"])


def test_score_pairs_equal_base_score(model):
    begin = ngramkit.State()
    model.BeginSentenceWrite(begin)
    words = ["the", "house", "qqqq", "</s>", "of"]
    states = [begin]
    for word in words[:-1]:
        out = ngramkit.State()
        model.BaseScore(states[-1], word, out)
        states.append(out)
    logprob, new_states = model.score_pairs(states, words)
    assert logprob.dtype == np.float32 and len(new_states) == len(words)
    for state, word, p, new in zip(states, words, logprob, new_states):
        out = ngramkit.State()
        assert model.BaseScore(state, word, out) == p and out == new and out.length == new.length
    with pytest.raises(TypeError):
        model.score_pairs([begin, None], ["the", "of"])
    with pytest.raises(ValueError):
        model.score_pairs([begin], ["the", "of"])


def test_score_pairs_of_many_contexts(model):
    """More pairs than the compiled loop has in flight at once (its LOOKAHEAD, 16), each with
    a context of its own: every pair as BaseScore scores it alone."""
    text = ("the house of the lord was built in the year of our lord by the people of the city "
            "and it stood there for many years until the fire of london qqqq burned it down </s>").split()
    states, words = [], []
    state = ngramkit.State()
    model.BeginSentenceWrite(state)
    for word in text:
        states.append(state)
        words.append(word)
        state = ngramkit.State()
        model.BaseScore(states[-1], word, state)
    # each context again with the following word and with a word of another place
    states, words = states * 2, words + words[7:] + words[:7]
    logprob, new_states = model.score_pairs(states, words)
    assert len(words) > 64
    for state, word, p, new in zip(states, words, logprob, new_states):
        out = ngramkit.State()
        assert (model.BaseScore(state, word, out), out, out.length) == (p, new, new.length)
