"""A vocabulary held as bytes (`Vocabulary.of_bytes`, as the ARPA reader makes it) against the
one made of str words: the same ids, words, lookups and byte pool."""

import numpy as np

from ngramkit.arpa import read_arpa
from ngramkit.vocab import Vocabulary


def of_words(words):
    """Vocabulary.of_bytes of `words` (bytes), in the order given."""
    pool = np.frombuffer(b"".join(words), dtype=np.uint8)
    ends = np.cumsum([len(w) for w in words])
    return Vocabulary.of_bytes(pool, ends - [len(w) for w in words], ends)


def test_words_sort_by_their_bytes_with_the_specials_once():
    # "ab" before "abc" (a prefix first), "Z" (0x5A) before "a", "é" (0xC3 0xA9) after "z",
    # the byte 0xFF (not UTF-8) last; "<s>" is a word of the list and a special.
    words = [b"abc", b"\xc3\xa9", b"z", b"ab", b"<s>", b"Z", b"a", b"\xff"]
    vocab, ids = of_words(words)
    expected = ["</s>", "<s>", "<unk>", "Z", "a", "ab", "abc", "z", "\xe9", "\udcff"]
    assert vocab.words == expected
    assert ids.tolist() == [6, 8, 7, 5, 1, 3, 4, 9]
    assert (vocab.eos, vocab.bos, vocab.unk) == (0, 1, 2)
    assert len(vocab) == 10
    assert vocab.holds_raw_bytes()


def test_lookups_without_the_index_agree_with_the_str_vocabulary():
    vocab, _ = of_words([b"b", b"a", b"ba", b"\xe4\xb8\xad"])
    plain = Vocabulary(["b", "a", "ba", "中"])
    assert vocab._index is None
    for word in ["a", "b", "ba", "中", "<s>", "</s>", "<unk>", "c", "", "bb", "-pau-"]:
        assert vocab.get(word, -1) == plain.index.get(word, -1)
        assert (word in vocab) == (word in plain)
    assert vocab._index is None  # the lookups above made no str index
    assert vocab.id("ba") == plain.index["ba"]
    assert not vocab.holds_raw_bytes()
    pool, offsets = vocab.byte_pool()
    plain_pool, plain_offsets = plain.byte_pool()
    assert np.array_equal(pool, plain_pool) and np.array_equal(offsets, plain_offsets)
    assert vocab == plain and vocab.index == plain.index


def test_arpa_vocabulary_is_held_as_bytes(tmp_path):
    path = tmp_path / "two.arpa"
    path.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<s>\n-0.5\tb\n-0.5\ta\n\n\\end\\\n")
    model = read_arpa(path)
    assert model.vocab._words is None
    assert model.ngrams[0][:, 0].tolist() == [1, 3, 4]  # ids of </s> <s> <unk> a b: <s>, a, b
    assert model.vocab.words == ["</s>", "<s>", "<unk>", "a", "b"]


def test_srilm_word_order_of_an_arpa_model_makes_no_str_words(tmp_path):
    # ngram -prune and -renorm number the words as SRILM does; with no -vocab, -vocab-aliases or
    # -nonevents, that must not turn a large vocabulary held as bytes into str words
    from ngramkit.generate import srilm_read_order

    path = tmp_path / "two.arpa"
    path.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-1\t<s>\n-0.5\tb\n-0.5\ta\n\n\\end\\\n")
    model = read_arpa(path)
    order, aliases_at = srilm_read_order(model)
    assert order.tolist() == [1, 4, 3] and aliases_at == 0  # <s>, b, a: the file's order
    assert model.vocab._words is None and model.vocab._index is None
