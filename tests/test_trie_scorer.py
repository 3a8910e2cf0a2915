"""`Model` on a KenLM trie scores from the memory-mapped file (kenlm_binary.trie_scorer) exactly as
the model decoded from it scores and as the kenlm module scores the file.

The scorer and thread tests of test_scorer.py and test_scorer_threads.py run here unchanged on
tries of KenLM's en 3-gram (tests/data/reference/en/kenlm/o3.arpa.gz), written by
`write_kenlm_binary`, which writes what KenLM's build_binary writes byte for byte
(test_kenlm_binary.py); their expected values are kenlm's scores of the ARPA, which an
unquantized trie keeps. Quantized tries (-q 8 -b 8) are compared with the kenlm module on the
same file and with the model `read_kenlm_binary` decodes from it (scored from hash tables).
"""

import gzip
import pickle

import numpy as np
import pytest
from conftest import DATA, REFERENCE
from test_scorer import (  # noqa: F401 (collected here with this module's `model`)
    test_batch_matches_kenlm,
    test_batch_on_two_threads_equals_one_call,
    test_bos_eos_flags,
    test_bytes_words,
    test_pickle_holds_the_path,
    test_score_and_full_scores_match_kenlm,
    test_score_pairs_equal_base_score,
    test_state_api_matches_kenlm,
    test_state_ordering_hash_and_equality,
    test_states_compare_copy_and_null_context,
    test_type_errors_as_kenlm,
)
from test_scorer_threads import (  # noqa: F401
    test_a_large_batch_is_split,
    test_forked_workers_keep_scoring,
    test_states_in_place_score_as_swapped_states,
    test_threads_share_one_model,
    test_threads_update_their_states_in_place,
)

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.errors import FormatError
from ngramkit.kenlm_binary import read_kenlm_binary, write_kenlm_binary
from ngramkit.kenlm_binary.trie_scorer import TrieScorer, is_kenlm_trie
from ngramkit.lm import Model, State

O3 = REFERENCE / "en" / "kenlm" / "o3.arpa.gz"
KENLM = DATA / "kenlm"
VARIANTS = {"trie": {}, "a22.trie": dict(pointer_bits=22), "q8b8.trie": dict(prob_bits=8, backoff_bits=8),
            "q4b3a8.trie": dict(prob_bits=4, backoff_bits=3, pointer_bits=8)}

try:
    import kenlm
except ImportError:
    kenlm = None


@pytest.fixture(scope="module")
def tries(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trie")
    arpa = read_arpa(O3)
    made = {}
    for name, options in VARIANTS.items():
        made[name] = folder / f"o3.{name}"
        write_kenlm_binary(arpa, made[name], layout="trie", **options)
    return made


@pytest.fixture(scope="module", params=["trie", "a22.trie"])
def model(request, tries):
    model = Model(tries[request.param])
    assert model._trie is not None  # scored from the file, not from tables decoded from it
    return model


@pytest.fixture(scope="module")
def sentences():
    with gzip.open(REFERENCE / "en" / "test.txt.gz", "rt", encoding="utf-8") as f:
        return [line.strip() for line in f]


def test_attributes_as_the_decoded_model(tries):
    for path in tries.values():
        ours, decoded = Model(path), Model.from_ngram_model(read_kenlm_binary(path))
        assert ours.order == 3 and ours.sizes == decoded.sizes
        assert ours.vocab == decoded.vocab and len(ours.vocab) == 12041
        assert ours.unigrams == decoded.unigrams
        assert "the" in ours and "qqqq" not in ours and "<unk>" not in ours and b"the" in ours


def _walk(model, state_class, sentences):
    """Per token (log10 p as float32, n-gram length) through the State API, and the partition of
    the states reached (for each token, the first token whose state equals its own)."""
    scores, first_equal, seen = [], [], {}
    for sentence in sentences:
        state, out = state_class(), state_class()
        model.BeginSentenceWrite(state)
        for word in sentence.split() + ["</s>"]:
            full = model.BaseFullScore(state, word, out)
            scores.append((float(np.float32(full.log_prob)), full.ngram_length))
            first_equal.append(seen.setdefault(out, len(first_equal)))
            state, out = out, state.__copy__()
    return scores, first_equal


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_every_api_scores_as_the_decoded_model(tries, sentences, name):
    ours, decoded = Model(tries[name]), Model.from_ngram_model(read_kenlm_binary(tries[name]))
    part = sentences[:400]
    assert _walk(ours, State, part) == _walk(decoded, State, part)
    assert np.array_equal(ours.score_batch(sentences), decoded.score_batch(sentences))
    for a, b in zip(ours.full_scores_batch(part, bos=False), decoded.full_scores_batch(part, bos=False)):
        assert np.array_equal(a, b)
    for sentence in part[:50]:
        assert ours.score(sentence, eos=False) == decoded.score(sentence, eos=False)
        assert list(ours.full_scores(sentence)) == list(decoded.full_scores(sentence))


@pytest.mark.skipif(kenlm is None, reason="the kenlm module is not installed")
@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_scores_and_states_as_the_kenlm_module(tries, sentences, name):
    ours, theirs = Model(tries[name]), kenlm.Model(str(tries[name]))
    part = sentences[:400]
    assert _walk(ours, State, part) == _walk(theirs, kenlm.State, part)
    for sentence in part[:100]:
        assert ours.score(sentence) == theirs.score(sentence)
        assert list(ours.full_scores(sentence, bos=False)) == list(theirs.full_scores(sentence, bos=False))


def test_kenlm_test_models_through_the_trie_scorer():
    # test_kenlm_semantics.py runs model_test.cc's expectations on these files; here, that
    # Model takes them through the trie scorer, and their pickles come back so.
    for name in ("test", "test_nounk"):
        for variant in ("trie", "q8b8.trie", "a22.trie", "q8b8a22.trie"):
            path = KENLM / f"{name}.{variant}"
            assert is_kenlm_trie(path)
            model = pickle.loads(pickle.dumps(Model(path)))
            assert model._trie is not None
    assert not is_kenlm_trie(KENLM / "test.probing") and not is_kenlm_trie(KENLM / "test.arpa")
    assert Model(KENLM / "test.probing")._trie is None


def test_pointers_checked_in_blocks(tries, monkeypatch):
    # The pointer checks run in blocks; with tiny blocks the same checks pass and fail.
    from ngramkit.kenlm_binary import trie_scorer

    monkeypatch.setattr(trie_scorer, "CHECK_RECORDS", 7)
    assert Model(tries["a22.trie"]).score("the house") == Model(tries["trie"]).score("the house")
    scorer = TrieScorer(tries["trie"])
    level = scorer._layout.levels[0]
    # a record's child pointer moved below its predecessor's: found wherever the block boundary falls
    data = bytearray(tries["trie"].read_bytes())
    bit = 5 * level.total_bits + level.word_bits + level.value_bits
    data[level.offset + bit // 8:level.offset + bit // 8 + 8] = bytes(8)
    damaged = tries["trie"].with_name("damaged.trie")
    damaged.write_bytes(bytes(data))
    with pytest.raises(FormatError, match="2-gram records' child pointers are out of order"):
        Model(damaged)


def test_vocabulary_errors_come_when_the_words_are_needed(tmp_path):
    # Scoring needs only the hashes; the words (absent with build_binary -v) only for `vocab`.
    path = tmp_path / "novocab.trie"
    write_kenlm_binary(read_arpa(KENLM / "test.arpa"), path, layout="trie", include_vocab=False)
    model = Model(path)
    assert model.score("looking on a little") == Model(KENLM / "test.trie").score("looking on a little")
    with pytest.raises(FormatError, match="without its vocabulary strings"):
        assert model.vocab


def test_truncated_trie_is_a_one_line_error(tmp_path):
    data = (KENLM / "test.trie").read_bytes()
    path = tmp_path / "cut.trie"
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(FormatError) as info:
        ngramkit.Model(path)
    assert str(info.value).startswith(f"{path}: KenLM binary truncated") and "\n" not in str(info.value)


def _word_field_damages(path):
    """Copies of the trie `path`, each with one bit of one record's word field flipped (every
    record of every order above 1, the bit chosen by the record), and each with one bit of one
    vocabulary hash flipped."""
    scorer = TrieScorer(path)
    data = path.read_bytes()
    made = []
    for k, level in enumerate(scorer._layout.levels, 2):
        for j in range(level.entries):
            bit = level.offset * 8 + j * level.total_bits + (j * 7 + k) % level.word_bits
            made.append((f"{k}-gram {j}", bit))
    vocab_at = scorer._layout.vocab_offset + 8
    made += [(f"hash {i}", (vocab_at + 8 * i) * 8 + (i * 13) % 64) for i in range(len(scorer.table))]
    for name, bit in made:
        damaged = bytearray(data)
        damaged[bit // 8] ^= 1 << (bit % 8)
        yield name, bytes(damaged)


def test_verify_refuses_damaged_words(tmp_path):
    # Scoring reads a damaged word as KenLM does; verify=True refuses it, as read_kenlm_binary does.
    name, data = next(_word_field_damages(KENLM / "test.trie"))
    path = tmp_path / "damaged.trie"
    path.write_bytes(data)
    Model(path)
    with pytest.raises(FormatError, match="out of order|word id"):
        Model(path, verify=True)
    assert Model(KENLM / "test.trie", verify=True)._trie is not None


@pytest.mark.skipif(kenlm is None, reason="the kenlm module is not installed")
@pytest.mark.parametrize("variant", ["trie", "q8b8a22.trie"])
def test_damaged_words_are_searched_as_kenlm_searches(variant, tmp_path):
    # A damaged word leaves its siblings out of order: the interpolation searches then find what
    # KenLM's find, whatever that is. (Both run in worker processes, as in test_binary_fuzz.)
    from test_binary_fuzz import run_cases, sentences

    cases = []
    for name, data in _word_field_damages(KENLM / f"test.{variant}"):
        target = tmp_path / name.replace(" ", "-")
        target.write_bytes(data)
        cases.append((name, str(target)))
    texts = sentences()
    ours, theirs = run_cases("ngramkit", cases, texts), run_cases("kenlm", cases, texts)
    differ = []
    for case, _ in cases:
        assert "scores" in ours[case] and "scores" in theirs[case], (case, ours[case], theirs[case])
        mine = [[float(np.float32(p)) for p in row] for row in ours[case]["scores"][:-1]]
        if mine != [[float(np.float32(p)) for p in row] for row in theirs[case]["scores"]]:
            differ.append(case)
    assert not differ, differ[:10]
