"""`State` orders as kenlm's State: KenLM's `State::Compare`, length first, then memcmp of the
context's word ids (uint32, newest first), the ids being KenLM's for the model's file (an ARPA
file's 1-gram order after `<unk>` = 0, a KenLM binary's own)."""

import random
from pathlib import Path

import pytest

import ngramkit
from ngramkit.kenlm_binary import write_kenlm_binary
from ngramkit.lm import STATE_KEYS
from ngramkit.scoring import words_of_keys

DATA = Path(__file__).parent / "data"
KENLM_ARPA = DATA / "reference" / "en" / "kenlm" / "o3.arpa.gz"
KENLM_FILES = DATA / "kenlm"


def context_state(model, words, begin=True):
    state = ngramkit.State()
    (model.BeginSentenceWrite if begin else model.NullContextWrite)(state)
    for word in words:
        out = ngramkit.State()
        model.BaseScore(state, word, out)
        state = out
    return state


def test_order_is_memcmp_of_kenlm_ids():
    # o3.arpa.gz's 1-gram lines 1-4: <unk> <s> </s> this; line 256 "talked", 257 "before" (each
    # with a backoff, so a context of its own): KenLM's ids 0, 1, 2, 3, 255, 256.
    model = ngramkit.Model(KENLM_ARPA)
    begin = context_state(model, [])
    this, talked, before = (context_state(model, [w], begin=False) for w in ("this", "talked", "before"))
    assert [s.length for s in (begin, this, talked, before)] == [1, 1, 1, 1]
    # little-endian bytes: 256 = 00 01 00 00 < 1 = 01 00 00 00 < 3 = 03 ... < 255 = ff ...
    assert sorted([talked, this, begin, before]) == [before, begin, this, talked]
    assert before < begin < this < talked and not talked < this and talked > before
    # a longer context orders after every shorter one, whatever its words
    assert context_state(model, ["this"]).length == 2 and talked < context_state(model, ["this"])


def test_keys_give_back_the_words():
    model = ngramkit.Model(KENLM_FILES / "test.arpa")
    state = context_state(model, ["looking", "on", "a"])
    held = state._a[STATE_KEYS:STATE_KEYS + state.length].tolist()
    assert [model.vocab.words[w] for w in words_of_keys(held)] == ["a", "on", "looking", "<s>"][:state.length]


@pytest.mark.parametrize("name", ["test.arpa", "test.probing", "test_nounk.arpa", "test.trie", "test.q8b8a22.trie",
                                  "o3.arpa.gz", "o3.probing", "o3.trie"])
def test_order_as_kenlm_module(name, tmp_path):
    kenlm = pytest.importorskip("kenlm")
    if name.startswith("o3"):
        path = KENLM_ARPA
        if name != "o3.arpa.gz":
            # write_kenlm_binary writes build_binary's bytes, KenLM's ids with them
            path = tmp_path / name
            write_kenlm_binary(ngramkit.load(KENLM_ARPA), path, layout=name.split(".")[1])
    else:
        path = KENLM_FILES / name
    ours, theirs = ngramkit.Model(path), kenlm.Model(str(path))
    words = [w for w in ours.unigrams if w != "<s>"] + ["not-a-word"]
    rng = random.Random(0)
    contexts = [[rng.choice(words) for _ in range(rng.randint(0, 4))] for _ in range(300)]
    for begin in (True, False):
        a = [context_state(ours, c, begin) for c in contexts]
        b = []
        for c in contexts:
            state = kenlm.State()
            (theirs.BeginSentenceWrite if begin else theirs.NullContextWrite)(state)
            for word in c:
                out = kenlm.State()
                theirs.BaseScore(state, word, out)
                state = out
            b.append(state)
        assert sorted(range(len(a)), key=a.__getitem__) == sorted(range(len(b)), key=b.__getitem__)
        for i in range(0, len(a), 5):
            for j in range(0, len(a), 7):
                assert (a[i] < a[j], a[i] == a[j], a[i] >= a[j]) == (b[i] < b[j], b[i] == b[j], b[i] >= b[j])
