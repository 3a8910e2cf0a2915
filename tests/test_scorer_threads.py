"""One `Model` shared by threads, and a model in forked workers, scores exactly as one thread does.

The model is KenLM's en o3 (tests/data/reference); every API a decoder uses is exercised:
`score`, `full_scores`, the batch calls (large batches go through the model's second scoring
thread) and the State calls, with a state updated in place as decoders do.
"""

import gzip
import multiprocessing
import threading

import numpy as np
import pytest
from conftest import REFERENCE

import ngramkit
from ngramkit.lm import PARALLEL_BYTES

THREADS = 4
ROUNDS = 3


@pytest.fixture(scope="module")
def model():
    return ngramkit.Model(REFERENCE / "en" / "kenlm" / "o3.arpa.gz")


@pytest.fixture(scope="module")
def sentences():
    with gzip.open(REFERENCE / "en" / "test.txt.gz", "rt", encoding="utf-8") as f:
        return [line.strip() for line in f]


def state_scores(model, sentence, in_place=False):
    """Per word and `</s>`, (log10 p, ngram length) through the State API: two states swapped
    after each word, or (`in_place`) one state updated in place."""
    a, b = ngramkit.State(), ngramkit.State()
    model.BeginSentenceWrite(a)
    out = []
    for word in sentence.split() + ["</s>"]:
        ret = model.BaseFullScore(a, word, a if in_place else b)
        out.append((ret.log_prob, ret.ngram_length))
        if not in_place:
            a, b = b, a
    return out


def everything(model, sentences):
    """All of a model's answers for `sentences`, as plain Python values."""
    scores = [model.score(s) for s in sentences]
    full = [list(model.full_scores(s)) for s in sentences]
    batch = model.score_batch(sentences).tolist()
    logprob, found, oov, offsets = model.full_scores_batch(sentences)
    states = [state_scores(model, s) for s in sentences[:200]]
    return scores, full, batch, (logprob.tolist(), found.tolist(), oov.tolist(), offsets.tolist()), states


def large_batch(sentences):
    """Enough sentences that a batch call splits them over the model's two scoring threads."""
    repeat = -(-2 * PARALLEL_BYTES // sum(len(s) + 1 for s in sentences))
    return sentences * repeat


def test_threads_share_one_model(model, sentences):
    parts = [sentences[i::THREADS] for i in range(THREADS)]
    alone = [everything(model, part) for part in parts]
    big = large_batch(sentences)
    big_alone = model.score_batch(big).tolist()
    results, errors = {}, []
    start = threading.Barrier(THREADS)

    def work(i):
        try:
            start.wait()
            for round_ in range(ROUNDS):
                results[i, round_] = everything(model, parts[i])
                results[i, round_, "big"] = model.score_batch(big).tolist()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    for i in range(THREADS):
        for round_ in range(ROUNDS):
            assert results[i, round_] == alone[i], f"thread {i}, round {round_}"
            assert results[i, round_, "big"] == big_alone


def test_states_in_place_score_as_swapped_states(model, sentences):
    for s in sentences[:300]:
        assert state_scores(model, s, in_place=True) == state_scores(model, s)


def test_threads_update_their_states_in_place(model, sentences):
    parts = [sentences[i::THREADS] for i in range(THREADS)]
    alone = [[state_scores(model, s, in_place=True) for s in part] for part in parts]
    mismatches = []
    start = threading.Barrier(THREADS)

    def work(i):
        start.wait()
        for s, want in zip(parts[i], alone[i]):
            if mismatches:
                return
            if state_scores(model, s, in_place=True) != want:
                mismatches.append(s)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not mismatches, f"in-place state scores differ on another thread: {mismatches[0]!r}"


def _score_in_child(sentences):
    """A forked worker's answers, with the model the parent loaded (module global)."""
    return everything(_FORKED["model"], sentences), _FORKED["model"].score_batch(_FORKED["big"]).tolist()


_FORKED = {}


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork start method")
def test_forked_workers_keep_scoring(model, sentences):
    big = large_batch(sentences)
    # the parent has used its second scoring thread before forking
    expected_big = model.score_batch(big).tolist()
    parts = [sentences[i::2] for i in range(2)]
    expected = [everything(model, part) for part in parts]
    _FORKED.update(model=model, big=big)
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            answers = [pool.apply_async(_score_in_child, (part,)) for part in parts]
            got = [answer.get(timeout=600) for answer in answers]
    finally:
        _FORKED.clear()
    for (child, child_big), want in zip(got, expected):
        assert child == want
        assert child_big == expected_big


def test_a_large_batch_is_split(model, sentences):
    """The large batch really takes the two-thread path, and agrees with sentence-by-sentence scores."""
    big = large_batch(sentences)
    assert sum(len(s) for s in big[len(big) // 2:]) >= PARALLEL_BYTES // 2
    batch = model.score_batch(big)
    one_by_one = np.array([model.score(s) for s in sentences], dtype=np.float32)
    assert np.array_equal(batch[:len(sentences)], one_by_one)
    assert np.array_equal(batch[-len(sentences):], one_by_one)
