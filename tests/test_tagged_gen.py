"""`ngram -tagged -gen` and `-gen-prefixes`: LM::generateWord's walk over the words of SRILM's
TaggedVocab, each word's probability TaggedNgram's (tagged_lm.TaggedGenerator)."""

from pathlib import Path

import ngramkit
from ngramkit.cli import ngram
from ngramkit.generate import _drand48, srand48_state

DATA = Path(__file__).parent / "data"
MORE = DATA / "srilm_more"
EN_MKN3 = DATA / "reference" / "en" / "srilm" / "mkn3.arpa.gz"


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def test_untagged_model_draws_srilms_sentences(capsys):
    # a model without tags and without words holding a '/' (</s> holds one after '<': no tag):
    # SRILM's TaggedVocab then holds the words its Vocab would, in the same table, and
    # TaggedNgram's backoff over untagged contexts is Ngram's (the tag lookups find nothing and
    # add 0), so -tagged draws what SRILM 1.7.3 drew without it
    model = ngramkit.load(EN_MKN3)
    generator = ngramkit.TaggedGenerator(model, seed=1)
    assert generator.sentences(20) == lines(MORE / "gen-en-seed1.txt")
    assert ngramkit.TaggedGenerator(model, seed=12345).sentences(5) == lines(MORE / "gen-en-seed12345.txt")
    ngram.ngram(["-tagged", "-lm", str(EN_MKN3), "-seed", "1", "-gen-prefixes", str(MORE / "gen-en-prefixes.txt")])
    assert capsys.readouterr().out.splitlines() == lines(MORE / "gen-en-prefixes-seed1.txt")


# After a context tagged T, /T b (log 0: probability 1) is the only n-gram found: b has no
# unigram of its own (-99: log 0 as SRILM reads it) and the weight of /T is log 0. After b, b </s>
# has probability 1 (and the weight of b is log 0). The tag /T and the tagged word c/d (SRILM reads it as c tagged d) are never drawn.
ARPA = """\\data\\
ngram 1=6
ngram 2=2

\\1-grams:
-0.30103\t</s>
-99\t<s>\t0
-0.30103\ta\t0
-99\tb\t-99
-99\tc/d
-99\t/T\t-99

\\2-grams:
0\t/T b
0\tb </s>

\\end\\
"""


def test_tagged_prefixes_back_off_to_their_tags(tmp_path, capsys):
    lm, prefixes = tmp_path / "t.arpa", tmp_path / "p.txt"
    lm.write_text(ARPA)
    prefixes.write_text("a/T\n/T\na\n")
    for seed in (1, 2, 3):
        ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-seed", str(seed), "-gen-prefixes", str(prefixes)])
        drawn = capsys.readouterr().out.splitlines()
        # a/T and /T: p(b | a/T) = bow(a) + p(b | /T) = 0 + 0, every other word log 0: b, then </s>
        assert drawn[:2] == ["b", "b"]
        # a, untagged: p(a | a) = bow(a) + p(a) = 1/2, p(</s> | a) = 1/2, p(b | a) = 0: a sentence of a's
        assert set(drawn[2].split()) <= {"a"}


def test_gen_walk_by_hand(tmp_path, capsys):
    # From <s> the words are a and </s>, each 1/2 (b, the tag and c/d have probability 0): the walk
    # of the words of SRILM's TaggedVocab (<unk> <s> </s> -pau- a b c: the hash table's slots)
    # meets a before </s> or after it. Each draw r = drand48(): with a first, r < 1/2 draws a, else </s>.
    lm = tmp_path / "t.arpa"
    lm.write_text(ARPA)
    generator = ngramkit.TaggedGenerator(ngramkit.load(lm), seed=5)
    assert generator.words.index("a") < generator.words.index("</s>")
    assert sorted(generator.words) == ["-pau-", "</s>", "<s>", "<unk>", "a", "b", "c"]
    state = srand48_state(5)
    expected = []
    for _ in range(4):
        words = []
        while _drand48(state) < 0.5:
            words.append("a")
        expected.append(" ".join(words))
    assert generator.sentences(4) == expected
    assert ngram.ngram(["-tagged", "-lm", str(lm), "-order", "2", "-seed", "5", "-gen", "4"]) is None
    assert capsys.readouterr().out == "".join(s + "\n" for s in expected)
