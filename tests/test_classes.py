"""Class LMs against SRILM 1.7.3: replace-words-with-classes, ngram -classes [-simple-classes]
-ppl at every debug level, -expand-classes; and hand computations on a tiny class model."""

import gzip
import io
import math
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_ngram

from ngramkit import load
from ngramkit.classes import (
    ClassModel,
    induce_classes,
    load_classes,
    replace_words_with_classes,
)
from ngramkit.cli import ngram as ngram_command
from ngramkit.errors import FormatError, UsageError

DATA = Path(__file__).parent / "data" / "classes"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
MORE = SHARED / "more"
LANGS = ["en", "zh"]
needs_shared = pytest.mark.skipif(not MORE.is_dir(), reason="needs ../shared/reference")


def replaced(classes, text, **options):
    out, log = io.BytesIO(), io.StringIO()
    replace_words_with_classes(classes, [text], out, log=log, **options)
    return out.getvalue(), log.getvalue()


# -- replace-words-with-classes ---------------------------------------------------------------

def test_replace_words_matches_srilm_sample():
    # the first 300 lines of the en reference train.cls20.txt
    out, log = replaced(DATA / "classes20.txt", DATA / "train300.txt")
    assert out == (DATA / "train300.cls20.txt").read_bytes()
    assert log == "read 200 class expansions\n"


def test_replace_words_reads_standard_input_once():
    # the script's output of the sample, the text read from stdin (which cannot be read twice)
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.replace_words_with_classes",
                           f"classes={DATA / 'classes20.txt'}"], input=(DATA / "train300.txt").read_bytes(),
                          capture_output=True, check=True)
    assert proc.stdout == (DATA / "train300.cls20.txt").read_bytes()


@needs_shared
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("n", [100, 20])
def test_replace_words_matches_srilm(lang, n, tmp_path):
    ref = MORE / lang
    classes = ref / (f"classes{n}.txt" if n == 20 else "classes100.txt.gz")
    train = tmp_path / "train.txt"
    train.write_bytes(gzip.decompress((SHARED / lang / "train.txt.gz").read_bytes()))
    out, log = replaced(classes, train)
    assert out == gzip.decompress((ref / f"train.cls{n}.txt.gz").read_bytes())
    assert log == (ref / f"replace-words-with-classes{n}.stderr.txt").read_text()


def test_replace_words_by_hand(tmp_path):
    classes = tmp_path / "c.txt"
    classes.write_text("NAME 0.5 new york\nNAME 0.5 boston\nCITY new york city\nNUM 1 one\n")
    text = tmp_path / "t.txt"
    # longest expansion first, left to right; words of unfinished expansions stay words
    text.write_text("in new york city one  new york\nnew  york boston\n\nnew\n")
    out, log = replaced(classes, text)
    assert log == "read 4 class expansions\n"
    assert out == b"in CITY NUM NAME\nNAME NAME\n\nnew\n"
    # partial=1: two or more blanks block an expansion (as a `|` field the script removes
    # again, turning one at either end of the line into a space); the expected bytes below were
    # also what SRILM's script printed, run by mawk
    out, _ = replaced(classes, text, partial=True)
    assert out == b"in CITY NUM NAME\nnew york NAME\n\nnew\n"
    text.write_text("  a  |  b | c\t\tboston  \n|x one|\n")
    out, _ = replaced(classes, text, partial=True)
    assert out == b"  a | b c NAME  \n x one \n"
    text.write_text("in new york city one  new york\nnew  york boston\n\nnew\n")
    # have_counts=1: the last field is a count, left alone
    counts = tmp_path / "counts.txt"
    counts.write_text("new york 3\nboston one 2\n")
    out, _ = replaced(classes, counts, have_counts=True)
    assert out == b"NAME 3\nNAME NUM 2\n"
    # outfile=: (count + 1) / (class count + expansions), NAME seen as "new york" 2, boston 1
    counts_out = tmp_path / "expansions.txt"
    replace_words_with_classes(classes, [text], io.BytesIO(), counts_path=counts_out, log=io.StringIO())
    assert counts_out.read_text() == ("NAME 0.6 new york\nNAME 0.4 boston\n"   # (2+1)/(3+2), (1+1)/(3+2)
                                      "CITY 1 new york city\nNUM 1 one\n")        # (1+1)/(1+1)
    replace_words_with_classes(classes, [text], io.BytesIO(), counts_path=counts_out, normalize=False,
                               log=io.StringIO())
    assert counts_out.read_text() == "NAME 2 new york\nNAME 1 boston\nCITY 1 new york city\nNUM 1 one\n"


def test_replace_words_command(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.replace_words_with_classes",
                           f"classes={DATA / 'classes20.txt'}", str(DATA / "train300.txt")],
                          capture_output=True)
    assert proc.returncode == 0
    assert proc.stdout == (DATA / "train300.cls20.txt").read_bytes()
    assert proc.stderr == b"read 200 class expansions\n"
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.replace_words_with_classes", "x.txt"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


# -- classes files ----------------------------------------------------------------------------

def test_classes_file(tmp_path):
    path = tmp_path / "c.txt"
    # a blank line and ## comments are passed over, as SRILM's File::getline does
    path.write_text("A 0.25 a\n\n## 0.5\nA 0.75 b\n##\nB 1st word\nB c d\n")
    d = load_classes(path)
    assert d.classes == ["A", "A", "B", "B"]
    # like SRILM (sscanf), a second field starting with a number is the probability
    assert d.probs.tolist() == [0.25, 0.75, 1.0, 1.0]
    assert d.expansions == [("a",), ("b",), ("word",), ("c", "d")]
    assert d.names() == ["A", "B"] and not d.single_word()


def test_classes_file_errors(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("A 0.5 a\nB 0.5\n")
    with pytest.raises(FormatError) as info:
        load_classes(path)
    assert str(info.value) == f"{path}:2: class B: expansion contains no words"
    path.write_text("A -0.5 a\n")
    with pytest.raises(FormatError, match=":1: class A: expansion probability"):
        load_classes(path)
    proc = subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram", "-lm", str(DATA / "cls3.arpa.gz"),
                           "-classes", str(path), "-ppl", str(DATA / "test20.txt")], capture_output=True, text=True)
    assert proc.returncode == 4 and proc.stderr.count("\n") == 1 and f"{path}:1:" in proc.stderr


# -- ngram -classes -ppl ----------------------------------------------------------------------

def test_class_ppl_passes_over_comment_lines(tmp_path, capsysbinary):
    # SRILM 1.7.3 gives the sample's output with `## 0.5`, `##` and a blank line put in its classes
    lines = gzip.decompress((DATA / "classes100.txt.gz").read_bytes()).splitlines(keepends=True)
    (tmp_path / "c.txt").write_bytes(b"## 0.5\n" + b"".join(lines[:10]) + b"##\n\n" + b"".join(lines[10:]))
    argv = ["-lm", str(DATA / "cls3.arpa.gz"), "-classes", str(tmp_path / "c.txt"), "-order", "3", "-debug", "1",
            "-ppl", "test20.txt"]
    assert run_ngram(argv, DATA, capsysbinary) == (DATA / "cls3.ppl1.txt").read_bytes()


LOCAL_PPL = [
    (["-debug", "1"], "", "cls3.ppl1.txt"),
    (["-debug", "2"], "", "cls3.ppl2.txt"),
    (["-debug", "2"], "-simple-classes", "cls3-simple.ppl2.txt"),
]


@pytest.mark.parametrize("debug, simple, expected", LOCAL_PPL)
def test_class_ppl_matches_srilm_sample(debug, simple, expected, capsysbinary):
    argv = ["-lm", str(DATA / "cls3.arpa.gz"), "-classes", str(DATA / "classes100.txt.gz")] + \
           ([simple] if simple else []) + ["-order", "3"] + debug + ["-ppl", "test20.txt"]
    assert run_ngram(argv, DATA, capsysbinary) == (DATA / expected).read_bytes()


def class_ppl_runs():
    runs = []
    if not MORE.is_dir():
        return runs
    for lang in LANGS:
        for name in ["cls3", "cls3-simple", "clsx3", "clsx3-simple"]:
            for line in (MORE / lang / f"{name}.cmd.txt").read_text().splitlines():
                words = shlex.split(line)
                if not words or words[0] != "ngram" or "-ppl" not in words:
                    continue
                stdout = next(w for w in words if w.startswith(">>"))
                argv = [w for w in words[1:] if not w.startswith(">") and not w.startswith("2>")]
                runs.append(pytest.param(lang, argv, stdout[2:], id=f"{lang}-{stdout[2:]}"))
    return runs


@pytest.fixture(scope="module")
def lang_dirs(tmp_path_factory):
    """Per language, the reference's working directory: models, classes, test texts."""
    made = {}

    def get(lang):
        if lang not in made:
            where = tmp_path_factory.mktemp(lang)
            text = gzip.decompress((SHARED / lang / "test.txt.gz").read_bytes())
            (where / "test.txt").write_bytes(text)
            (where / "test20.txt").write_bytes(b"".join(text.splitlines(keepends=True)[:20]))
            for name in ["cls3.arpa", "clsx3.arpa", "classes100.txt"]:
                (where / name).write_bytes(gzip.decompress((MORE / lang / f"{name}.gz").read_bytes()))
            (where / "classes20.txt").write_bytes((MORE / lang / "classes20.txt").read_bytes())
            made[lang] = where
        return made[lang]

    return get


@needs_shared
@pytest.mark.parametrize("lang, argv, expected", class_ppl_runs())
def test_class_ppl_matches_srilm(lang, argv, expected, lang_dirs, capsysbinary):
    assert run_ngram(argv, lang_dirs(lang), capsysbinary) == (MORE / lang / expected).read_bytes()


# A tiny class bigram model for hand computations: x is a word of the model and also a member
# of class C, with a and b.
TINY_ARPA = """
\\data\\
ngram 1=4
ngram 2=3

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-0.3\tC\t-0.2
-0.6\tx\t-0.1

\\2-grams:
-0.2\t<s> C
-0.5\tC x
-0.4\tx </s>

\\end\\
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "tiny.arpa").write_text(TINY_ARPA)
    (tmp_path / "tiny.classes").write_text("C 0.2 a\nC 0.5 b\nC 0.3 x\n")
    (tmp_path / "t.txt").write_text("a x\nz\n")
    return tmp_path


def test_class_model_by_hand(tiny):
    model = ClassModel(load(tiny / "tiny.arpa"), load_classes(tiny / "tiny.classes"))
    report = model.perplexity(tiny / "t.txt")
    # "a x": a only as C; x as the word x (then </s> | x) or as C (then </s> backs off from C)
    a = 10 ** -0.2 * 0.2
    x_then_end = 10 ** -0.5 * 10 ** -0.4 + 10 ** (-0.2 - 0.3) * 0.3 * 10 ** (-0.2 - 1.0)
    assert report.sentence_logprob[0] == pytest.approx(math.log10(a * x_then_end), abs=1e-5)
    assert report.token_logprob[0] == pytest.approx(math.log10(a), abs=1e-6)
    # "z" is OOV: the sentence is </s> after <s> ... <unk>, which backs off to the unigram
    assert report.stats.oovs == 1 and report.token_order[3] == 0
    assert report.token_logprob[4] == pytest.approx(-1.0, abs=1e-6)
    totals = model.score_file(tiny / "t.txt")
    assert (totals.sentences, totals.words, totals.oovs) == (2, 3, 1)
    assert totals.logprob == pytest.approx(math.log10(a * x_then_end) - 1.0, abs=1e-5)


def test_simple_class_model_by_hand(tiny):
    model = ClassModel(load(tiny / "tiny.arpa"), tiny / "tiny.classes", simple=True)
    report = model.perplexity(tiny / "t.txt")
    # every member is replaced by C: p(C | <s>) .2 p(C | C) .3 p(</s> | C)
    expected = -0.2 + math.log10(0.2) + (-0.2 - 0.3) + math.log10(0.3) + (-0.2 - 1.0)
    assert report.sentence_logprob[0] == pytest.approx(expected, abs=1e-5)
    (tiny / "two.classes").write_text("C 0.5 a\nD 0.5 a\n")
    with pytest.raises(FormatError, match="word a has multiple class memberships"):
        ClassModel(load(tiny / "tiny.arpa"), tiny / "two.classes", simple=True)
    (tiny / "multi.classes").write_text("C 1 a b\n")
    with pytest.raises(UsageError, match="one word each"):
        ClassModel(load(tiny / "tiny.arpa"), tiny / "multi.classes", simple=True)


# -- -expand-classes --------------------------------------------------------------------------

def test_expand_by_hand(tiny):
    expanded = ClassModel(load(tiny / "tiny.arpa"), tiny / "tiny.classes").expand()
    words = expanded.vocab.words
    uni = {words[r[0]]: float(p) for r, p in zip(expanded.ngrams[0], expanded.logprob[0])}
    # joint unigram probabilities, normalised: x is a word and a member of C
    joint = {"</s>": 10 ** -1.0, "a": 10 ** -0.3 * 0.2, "b": 10 ** -0.3 * 0.5,
             "x": 10 ** -0.6 + 10 ** -0.3 * 0.3}
    total = sum(joint.values())
    assert set(uni) == set(joint) | {"<s>"} and uni["<s>"] == -99
    for w, p in joint.items():
        assert uni[w] == pytest.approx(math.log10(p / total), abs=1e-6)
    # p(x | <s>) = P(<s> x) / P(<s>), with P(<s>) standing for p(</s>) = 0.1 (larger than the
    # sum over <s>'s followers). P(<s> x): the class bigram <s> C, 0.1 * 10**-0.2 * 0.3, plus x
    # read as the word x, a bigram the class model lacks: 0.1 * bow(<s>) p(x)
    bigrams = {" ".join(words[i] for i in r): float(p) for r, p in zip(expanded.ngrams[1], expanded.logprob[1])}
    assert bigrams["<s> x"] == pytest.approx(math.log10(10 ** -1.2 * 0.3 + 10 ** (-1.0 - 0.5 - 0.6)) + 1.0,
                                             abs=1e-6)
    assert set(bigrams) == {"<s> a", "<s> b", "<s> x", "a x", "b x", "x x", "x </s>"}


def test_expanded_model_is_written_at_its_order(tiny, cli):
    # SRILM 1.7.3, `ngram -lm tiny.arpa -classes tiny.classes -expand-classes 1 -write-lm F`: the
    # unigrams alone, not padded to -order 3
    status, _, err = cli(ngram_command.main, ["-lm", tiny / "tiny.arpa", "-classes", tiny / "tiny.classes",
                                              "-expand-classes", "1", "-write-lm", tiny / "out.arpa"])
    assert status == 0, err
    assert (tiny / "out.arpa").read_text() == ("\n\\data\\\nngram 1=5\n\n\\1-grams:\n-0.9306311\t</s>\n-99\t<s>\n"
                                               "-0.9296011\ta\n-0.5316611\tb\n-0.3268971\tx\n\n\\end\\\n")


@needs_shared
@pytest.mark.parametrize("lang", LANGS)
def test_expand_matches_srilm(lang, lang_dirs):
    where = lang_dirs(lang)
    ours = ClassModel(load(where / "clsx3.arpa"), load_classes(where / "classes20.txt")).expand(3)
    theirs = load(MORE / lang / "clsx3-expanded.arpa.gz")
    assert ours.vocab.words == [w for w in theirs.vocab.words] or set(theirs.vocab.words) <= set(ours.vocab.words)
    for k in range(3):
        ours_rows = [tuple(ours.vocab.words[i] for i in r) for r in ours.ngrams[k]]
        theirs_rows = [tuple(theirs.vocab.words[i] for i in r) for r in theirs.ngrams[k]]
        assert ours_rows == theirs_rows
        assert np.abs(ours.logprob[k].astype(float) - theirs.logprob[k]).max() < 1e-4
        if k < 2:
            assert np.array_equal(np.isnan(ours.backoff[k]), np.isnan(theirs.backoff[k]))
            both = ~np.isnan(ours.backoff[k])
            assert np.abs(ours.backoff[k][both].astype(float) - theirs.backoff[k][both]).max() < 1e-4


# -- ngram-class ------------------------------------------------------------------------------

def run_ngram_class(argv):
    return subprocess.run([sys.executable, "-m", "ngramkit.cli.ngram_class"] + argv, capture_output=True, text=True)


def test_ngram_class_by_hand(tmp_path):
    # a and b have the same contexts, so merging them loses no likelihood; any merge with x does
    text = tmp_path / "t.txt"
    text.write_text("a x\nb x\n")
    induction = induce_classes(text, 2, full=True)
    assert induction.definitions() == [("CLASS-00001", 0.5, "a"), ("CLASS-00001", 0.5, "b"),
                                       ("CLASS-00003", 1.0, "x")]
    counts = induction.class_counts()
    rows = {" ".join(counts.vocab.words[i] for i in r): int(c)
            for k in range(2) for r, c in zip(counts.ngrams[k], counts.counts[k])}
    assert rows == {"</s>": 2, "<s>": 2, "CLASS-00001": 2, "CLASS-00003": 2, "<s> CLASS-00001": 2,
                    "CLASS-00001 CLASS-00003": 2, "CLASS-00003 </s>": 2}
    # incremental merging of the same text ends the same way
    assert induce_classes(text, 2).definitions() == induction.definitions()


@pytest.mark.parametrize("merging", ["full", "incr"])
def test_ngram_class_matches_srilm_sample(merging, tmp_path):
    tiny = tmp_path / "tiny100.txt"
    tiny.write_bytes(b"".join((DATA / "train300.txt").read_bytes().splitlines(keepends=True)[:100]))
    proc = run_ngram_class(["-text", str(tiny), "-numclasses", "50", "-classes", str(tmp_path / "c.txt"),
                            "-class-counts", str(tmp_path / "c.counts")] + (["-full"] if merging == "full" else []))
    assert proc.returncode == 0 and proc.stderr == ""
    assert (tmp_path / "c.txt").read_bytes() == (DATA / f"classes-tiny100-{merging}50.txt").read_bytes()
    assert (tmp_path / "c.counts").read_bytes() == (DATA / f"classes-tiny100-{merging}50.counts").read_bytes()


@needs_shared
@pytest.mark.parametrize("lang, argv, name", [
    ("en", ["-numclasses", "100"], "classes100"),  # 12038 words (zh, 18862, also agrees; a minute)
    ("zh", ["-numclasses", "50", "-full"], "classes-tiny100-full50"),
    ("zh", ["-numclasses", "50"], "classes-tiny100-incr50"),
])
def test_ngram_class_matches_srilm(lang, argv, name, tmp_path):
    text = gzip.decompress((SHARED / lang / "train.txt.gz").read_bytes())
    if "tiny100" in name:
        text = b"".join(text.splitlines(keepends=True)[:100])
    train = tmp_path / "train.txt"
    train.write_bytes(text)
    proc = run_ngram_class(["-text", str(train), "-classes", str(tmp_path / "c.txt"),
                            "-class-counts", str(tmp_path / "c.counts")] + argv)
    assert proc.returncode == 0
    ref = MORE / lang
    expected = ref / f"{name}.txt"
    classes = expected.read_bytes() if expected.exists() else gzip.decompress((ref / f"{name}.txt.gz").read_bytes())
    counts = ref / f"{name}.counts"
    counts = counts.read_bytes() if counts.exists() else gzip.decompress((ref / f"{name}.counts.gz").read_bytes())
    assert (tmp_path / "c.txt").read_bytes() == classes
    assert (tmp_path / "c.counts").read_bytes() == counts


@needs_shared
@pytest.mark.parametrize("lang", LANGS)
def test_ngram_class_noclass_matches_srilm(lang, tmp_path):
    train = tmp_path / "train.txt"
    train.write_bytes(gzip.decompress((SHARED / lang / "train.txt.gz").read_bytes()))
    # noclass20.txt as classes20.cmd.txt makes it: the train words (in byte order) but frequency
    # ranks 301-500, then <s> and </s>
    ranks = (SHARED / lang / "vocab-top2000.txt").read_bytes().splitlines()[300:500]
    words = sorted(set(train.read_bytes().split()) - set(ranks))
    noclass = tmp_path / "noclass20.txt"
    noclass.write_bytes(b"".join(w + b"\n" for w in words) + b"<s>\n</s>\n")
    if (MORE / lang / "noclass20.txt").exists():
        assert noclass.read_bytes() == (MORE / lang / "noclass20.txt").read_bytes()
    proc = run_ngram_class(["-text", str(train), "-numclasses", "20", "-noclass-vocab",
                            str(noclass), "-classes", str(tmp_path / "c.txt"),
                            "-class-counts", str(tmp_path / "c.counts")])
    assert proc.returncode == 0
    assert (tmp_path / "c.txt").read_bytes() == (MORE / lang / "classes20.txt").read_bytes()
    assert (tmp_path / "c.counts").read_bytes() == gzip.decompress((MORE / lang / "classes20.counts.gz").read_bytes())


def test_ngram_class_errors(tmp_path):
    proc = run_ngram_class(["-numclasses", "2"])
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    proc = run_ngram_class(["-text", str(tmp_path / "missing.txt"), "-numclasses", "2"])
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1


# -- G.fst ------------------------------------------------------------------------------------

def _linear(pynini, symbols, words):
    sentence = pynini.Fst()
    state = sentence.add_state()
    sentence.set_start(state)
    for word in words:
        nxt = sentence.add_state()
        sentence.add_arc(state, pynini.Arc(symbols.ids[word], symbols.ids[word], 0, nxt))
        state = nxt
    sentence.set_final(state)
    return sentence


def _cost(pynini, g, sentence):
    lattice = pynini.compose(sentence, g)
    return float(pynini.shortestdistance(lattice, reverse=True)[lattice.start()])


def test_class_fst_path_weights_are_class_model_probabilities():
    pynini = pytest.importorskip("pynini")
    from ngramkit.fst import compile_grammar

    classes = load_classes(DATA / "classes100.txt.gz")
    model = ClassModel(load(DATA / "cls3.arpa.gz"), classes)
    fst, symbols = model.to_fst("#0")
    disambig = symbols.ids["#0"]
    g = fst.copy()
    g.relabel_pairs(ipairs=[(disambig, 0)])
    g.arcsort("ilabel")
    # the class model's own G, over class names
    grammar = compile_grammar(load(DATA / "cls3.arpa.gz"), None, "#0")
    class_g = grammar.to_fst(False)
    class_g.relabel_pairs(ipairs=[(grammar.symbols.ids["#0"], 0)])
    class_g.arcsort("ilabel")
    member = {e[0]: (c, p) for c, p, e in zip(classes.classes, classes.probs, classes.expansions)}
    report = model.perplexity(DATA / "test20.txt")
    exact = 0
    for i, line in enumerate((DATA / "test20.txt").read_text().splitlines()):
        words = line.split()
        if report.sentence_oovs[i]:
            continue
        cost = _cost(pynini, g, _linear(pynini, symbols, words))
        # a path's weight: the class sequence's path through the class G plus -ln p(word | class)
        class_cost = _cost(pynini, class_g, _linear(pynini, grammar.symbols, [member[w][0] for w in words]))
        membership = -sum(math.log(member[w][1]) for w in words)
        assert cost == pytest.approx(class_cost + membership, rel=1e-6)
        # and -ln of the class model's probability (each word has one class, so one reading),
        # unless a backoff path of G is cheaper than an n-gram's own arc (as in any Kaldi G)
        expected = -math.log(10) * report.sentence_logprob[i]
        assert cost <= expected * (1 + 1e-6)
        exact += cost == pytest.approx(expected, rel=1e-5)
    assert exact >= 5
