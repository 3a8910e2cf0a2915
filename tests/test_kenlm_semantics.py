"""KenLM's scoring semantics: blanks, minimal states and n-gram lengths.

The expectations of the first tests are those of KenLM's lm/model_test.cc (Starters,
Continuation, Blanks, Unknowns, MinimalState, NoUnkCheck) on its test.arpa and
test_nounk.arpa, checked on the ARPA files, on ngramkit binaries of them and on KenLM's
binaries of them (tests/data/kenlm/README.md). KenLM compares with a relative tolerance of
0.001 percent (SLOPPY_CHECK_CLOSE(ref, value, 0.001)); so do these tests.

The last tests compare with the kenlm module itself (skipped without it) on pruned models,
where n-grams whose suffixes were pruned leave blanks for KenLM to fill.
"""

import gzip
import os
from pathlib import Path

import pytest

import ngramkit
from ngramkit.lm import Model, State

KENLM = Path(__file__).parent / "data" / "kenlm"
DATA = Path(__file__).parent / "data" / "reference" / "en"
KENLM_BINARIES = ["probing", "trie", "q8b8.trie", "a22.trie", "q8b8a22.trie"]


def _models(stem, tmp_path_factory):
    yield "arpa", Model(KENLM / f"{stem}.arpa")
    binary = tmp_path_factory.mktemp("ngk") / f"{stem}.ngk"
    ngramkit.load(KENLM / f"{stem}.arpa").write(binary)
    yield "ngk", Model(binary)
    for kind in KENLM_BINARIES:
        yield kind, Model(KENLM / f"{stem}.{kind}")


@pytest.fixture(scope="module", params=["arpa", "ngk", *KENLM_BINARIES])
def model(request, tmp_path_factory):
    return dict(_models("test", tmp_path_factory))[request.param]


@pytest.fixture(scope="module", params=["arpa", "ngk", *KENLM_BINARIES])
def nounk_model(request, tmp_path_factory):
    return dict(_models("test_nounk", tmp_path_factory))[request.param]


class Replay:
    """model_test.cc's StartTest and AppendTest: score a word after the current state,
    check the probability and the n-gram length, and (AppendTest) move to the new state."""

    def __init__(self, model, begin=False):
        self.model = model
        self.state = State()
        if begin:
            model.BeginSentenceWrite(self.state)
        else:
            model.NullContextWrite(self.state)

    def start(self, word, ngram, score):
        out = State()
        ret = self.model.BaseFullScore(self.state, word, out)
        assert ret.log_prob == pytest.approx(score, rel=1e-5), word
        assert ret.ngram_length == ngram, word
        assert out.length <= min(ngram, 4), word
        return out

    def append(self, word, ngram, score):
        self.state = self.start(word, ngram, score)
        return self.state

    def reset(self):
        self.state = State()
        self.model.NullContextWrite(self.state)


def test_starters(model):
    replay = Replay(model, begin=True)
    replay.start("looking", 2, -0.4846522)
    # , probability plus <s> backoff
    replay.start(",", 1, -1.383514 + -0.4149733)
    # <unk> probability plus <s> backoff
    replay.start("this_is_not_found", 1, -1.995635 + -0.4149733)


def test_continuation(model):
    replay = Replay(model, begin=True)
    replay.append("looking", 2, -0.484652)
    replay.append("on", 3, -0.348837)
    replay.append("a", 4, -0.0155266)
    replay.append("little", 5, -0.00306122)
    preserve = replay.state
    replay.append("the", 1, -4.04005)
    replay.append("biarritz", 1, -1.9889)
    replay.append("not_found", 1, -2.29666)
    replay.append("more", 1, -1.20632 - 20.0)
    replay.append(".", 2, -0.51363)
    replay.append("</s>", 3, -0.0191651)
    assert replay.state.length == 0
    replay.state = preserve
    replay.append("more", 5, -0.00181395)
    assert replay.state.length == 4
    replay.append("loin", 5, -0.0432557)
    assert replay.state.length == 1


def test_blanks(model):
    replay = Replay(model)
    replay.append("also", 1, -1.687872)
    replay.append("would", 2, -2)
    replay.append("consider", 3, -3)
    preserve = replay.state
    replay.append("higher", 4, -4)
    replay.append("looking", 5, -5)
    assert replay.state.length == 1
    replay.state = preserve
    # also would consider not_found
    replay.append("not_found", 1, -1.995635 - 7.0 - 0.30103)
    replay.reset()
    # higher looking is a blank.
    replay.append("higher", 1, -1.509559)
    higher_looking = replay.append("looking", 2, -1.285941 - 0.30103)
    assert replay.state.length == 1
    replay.append("not_found", 1, -1.995635 - 0.4771212)
    replay.state = higher_looking
    # higher looking consider
    replay.append("consider", 1, -1.687872 - 0.4771212)
    replay.reset()
    replay.append("would", 1, -1.687872)
    assert replay.state.length == 1
    replay.append("consider", 2, -1.687872 - 0.30103)
    assert replay.state.length == 2
    replay.append("higher", 3, -1.509559 - 0.30103)
    assert replay.state.length == 3
    replay.append("looking", 4, -1.285941 - 0.30103)


def test_unknowns(model):
    replay = Replay(model)
    preserve = replay.append("not_found", 1, -1.995635)
    replay.append("not_found2", 2, -15.0)
    replay.append("not_found3", 2, -15.0 - 2.0)
    replay.state = preserve
    replay.append("however", 2, -4)
    replay.append("not_found3", 3, -6)


def test_minimal_state(model):
    replay = Replay(model)
    null = State()
    model.NullContextWrite(null)
    replay.append("baz", 1, -6.535897)
    assert replay.state.length == 0 and replay.state == null and hash(replay.state) == hash(null)
    replay.reset()
    replay.append("foo", 1, -3.141592)
    assert replay.state.length == 1
    replay.append("bar", 2, -6.0)
    # Has to include the backoff weight.
    assert replay.state.length == 1
    replay.append("bar", 1, -2.718281 + 3.0)
    assert replay.state.length == 1
    replay.reset()
    replay.append("to", 1, -1.687872)
    replay.append("look", 2, -0.2922095)
    assert replay.state.length == 2
    replay.append("a", 3, -7)


def test_states_equal_when_futures_are(model):
    # model_test.cc checks each state against the one GetState makes of the words; here the
    # states of "foo bar" and of "bar" after the null context keep only "bar".
    a, b, c = State(), State(), State()
    model.NullContextWrite(a)
    model.BaseScore(a, "foo", b)
    model.BaseScore(b, "bar", c)
    model.BaseScore(a, "bar", b)
    assert b == c and not b < c and b <= c and hash(b) == hash(c)


def test_no_unk(nounk_model):
    # NoUnkCheck: <unk> after <unk>, with no <unk> in the ARPA, is KenLM's -100.
    replay = Replay(nounk_model)
    replay.append("not_found", 1, -100.0)
    replay.start("not_found", 1, -100.0)
    assert "not_found" not in nounk_model and "<unk>" not in nounk_model


def test_full_scores_and_score_fill_blanks(model):
    # kenlm 0.3.0 on test.arpa: full_scores(..., bos=False, eos=False) and score().
    got = list(model.full_scores("also would consider higher", bos=False, eos=False))
    assert [n for _, n, _ in got] == [1, 2, 3, 4]
    assert [p for p, _, _ in got] == pytest.approx([-1.687872, -2, -3, -4], rel=1e-5)
    assert model.score("he however said so") == pytest.approx(-62.440101623535156, rel=1e-6)
    assert model.score_batch(["he however said so"])[0] == pytest.approx(-62.440101623535156, rel=1e-6)


# Comparisons with the kenlm module on pruned models.


def _sentences(limit=300):
    with gzip.open(DATA / "test.txt.gz", "rt", encoding="utf-8") as f:
        return [line.strip() for line, _ in zip(f, range(limit))]


@pytest.fixture(scope="module")
def pruned_arpas(tmp_path_factory):
    """SRILM-style entropy pruning of mkn3 (ngramkit's, equal to `ngram -prune 1e-6`), which
    drops n-grams whose longer extensions stay (blanks), and an lmplz --prune 0 1 1 order-4
    model, whose pruned n-grams leave contexts with no extension (minimal states)."""
    kenlm = pytest.importorskip("kenlm")
    tmp = tmp_path_factory.mktemp("pruned")
    srilm = tmp / "mkn3-prune.arpa"
    ngramkit.load(DATA / "srilm" / "mkn3.arpa.gz").prune(1e-6).write(srilm)
    lmplz = tmp / "o4-prune011.arpa"
    ngramkit.lmplz(str(DATA / "train.txt.gz"), 4, prune=(0, 1, 1), progress=False, output=str(lmplz),
                   warn=lambda message: None)
    return kenlm, [srilm, lmplz]


def _has_blanks(path):
    model = ngramkit.load(path)
    from ngramkit.estimate.lookup import find_rows

    return any((find_rows(model.ngrams[k - 1], model.ngrams[k], 1) < 0).any() for k in range(2, model.order))


def _walk(model, state_class, sentences):
    """Per token (log10 p, n-gram length) and the partition of the states reached: for each
    token, the index of the first token whose state equals its own."""
    scores, first_equal, seen = [], [], {}
    for sentence in sentences:
        state, out = state_class(), state_class()
        model.BeginSentenceWrite(state)
        for word in sentence.split() + ["</s>"]:
            full = model.BaseFullScore(state, word, out)
            scores.append((full.log_prob, full.ngram_length))
            first_equal.append(seen.setdefault(out, len(first_equal)))
            state, out = out, state.__copy__()
    return scores, first_equal


def test_pruned_models_score_and_partition_states_as_kenlm(pruned_arpas):
    kenlm, paths = pruned_arpas
    sentences = _sentences()
    assert [_has_blanks(path) for path in paths] == [True, False]
    for path in paths:
        reference = kenlm.Model(str(path))
        ours = Model(path)
        ref_scores, ref_partition = _walk(reference, kenlm.State, sentences)
        scores, partition = _walk(ours, State, sentences)
        assert scores == ref_scores, path
        assert partition == ref_partition, path
        # the whole-sentence paths agree too
        for sentence in sentences[:50]:
            assert ours.score(sentence) == reference.score(sentence)
            assert list(ours.full_scores(sentence)) == list(reference.full_scores(sentence))


def test_pruned_binaries_score_as_kenlm(pruned_arpas, tmp_path):
    kenlm, paths = pruned_arpas
    sentences = _sentences(100)
    for path in paths:
        reference = kenlm.Model(str(path))
        binary = tmp_path / (os.path.basename(path) + ".ngk")
        ngramkit.load(path).write(binary)
        kenlm_binary = tmp_path / (os.path.basename(path) + ".probing")
        ngramkit.load(path).write(kenlm_binary, format="kenlm")
        for ours in (Model(binary), Model(kenlm_binary)):
            assert _walk(ours, State, sentences) == _walk(reference, kenlm.State, sentences), path


def test_binary_of_an_older_ngramkit_is_scored_with_blanks(tmp_path):
    # Tables written before blanks were filled (no "tables" version in the header) are made anew
    # from the model arrays the file also holds.
    from ngramkit.binary import read_arrays, write_arrays
    from ngramkit.lm import BINARY_KIND

    current = tmp_path / "test.ngk"
    ngramkit.load(KENLM / "test.arpa").write(current)
    info, arrays = read_arrays(current, BINARY_KIND)
    del info["tables"]
    older = tmp_path / "older.ngk"
    write_arrays(older, BINARY_KIND, info, {name: array.copy() for name, array in arrays.items()})
    got = list(Model(older).full_scores("also would consider higher", bos=False, eos=False))
    assert [n for _, n, _ in got] == [1, 2, 3, 4]
