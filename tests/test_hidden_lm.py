"""SRILM's hidden-event models (`ngram -hidden-vocab FILE`, `-hidden-not`) and hidden-sentence-
boundary models (`-hiddens`). The values are worked out by hand from HiddenNgram's forward pass
(prefixProb) and HiddenSNgram::wordProb on a bigram model written out here, where every state's
context is its last word (order - 1 = 1): a column's states differ only in the event before the
word, so the prefix probability of word k is the product over columns of sums. The lines follow
SRILM's -debug 1/2 formats (an n-gram tag per no-event path, then `Hidden events:`)."""

import gzip
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit import hidden_lm
from ngramkit.cli import ngram
from ngramkit.errors import FormatError
from ngramkit.formats import load
from ngramkit.hidden_lm import HiddenEventModel, read_events, read_hidden_vocab

ARPA = """
\\data\\
ngram 1=8
ngram 2=6

\\1-grams:
-99 <s> -0.3
-0.6 </s>
-0.5 a -0.2
-0.7 b -0.1
-1.0 <#s> -0.4
-1.2 uh 0
-0.3 REP
-0.5 DEL

\\2-grams:
-0.2 <s> a
-0.6 <s> b
-0.4 a b
-0.1 a <#s>
-0.5 b </s>
-0.1 <#s> b

\\end\\
"""
HIDDEN_VOCAB = "<#s>\nuh -observed -omit\n"


def log_sum(*logs):
    return math.log10(sum(10 ** x for x in logs))


# p(e | h) and p(w | e h) of the model, by backoff where no bigram is listed:
#   p(a | <s>) = -0.2      p(<#s> | <s>) = bow(<s>) + p(<#s>) = -0.3 - 1.0 = -1.3
#   p(a | <#s>) = bow(<#s>) + p(a) = -0.4 - 0.5 = -0.9
#   p(b | a) = -0.4        p(<#s> | a) = -0.1           p(b | <#s>) = -0.1
#   p(</s> | b) = -0.5     p(<#s> | b) = bow(b) + p(<#s>) = -0.1 - 1.0 = -1.1
#   p(</s> | <#s>) = bow(<#s>) + p(</s>) = -0.4 - 0.6 = -1.0
# "a b": column a holds (no event: -0.2) and (<#s>: -1.3 - 0.9 = -2.2); column b
# (no event: p(b | a) = -0.4 after either) and (<#s>: -0.1 - 0.1 = -0.2 after either);
# </s>: -0.5 without an event, -1.1 - 1.0 = -2.1 after <#s>.
COLUMN_A = log_sum(-0.2, -2.2)
COLUMN_B = log_sum(-0.4, -0.2)
COLUMN_END = log_sum(-0.5, -2.1)
# "a x b": x is an OOV, so the pass starts again after it from the total so far in the
# no-event state whose context (*noevent* x) no n-gram has: b comes from the unigrams,
# p(b) = -0.7 or p(<#s>) + p(b | <#s>) = -1.0 - 0.1 = -1.1
COLUMN_B_AFTER_OOV = log_sum(-0.7, -1.1)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "lm.arpa").write_text(ARPA)
    (tmp_path / "hidden.vocab").write_text(HIDDEN_VOCAB)
    (tmp_path / "text.txt").write_text("a b\na x b\n")
    return tmp_path


def run_ngram(capsys, *args):
    ngram.main(list(args))
    return capsys.readouterr().out


def assert_word_line(line, start, logp):
    """`line` is `start` then SRILM's ` p [ log10 p ]` of a float32 log10 probability near logp."""
    assert line.startswith(start)
    prob, rest = line[len(start):].split(" [ ")
    assert rest.endswith(" ]")
    assert float(rest[:-2]) == pytest.approx(logp, abs=2e-7)
    assert float(prob) == pytest.approx(10 ** logp, rel=1e-6)


def assert_totals(line, logprob, words):
    """SRILM's `0 zeroprobs, logprob= L ppl= P ppl1= Q` of `words` words and their sentences' ends."""
    fields = line.split()
    assert fields[:3] == ["0", "zeroprobs,", "logprob="] and fields[4] == "ppl=" and fields[6] == "ppl1="
    assert float(fields[3]) == pytest.approx(logprob, abs=1e-6)
    assert float(fields[5]) == pytest.approx(10 ** (-logprob / words[0]), rel=1e-6)
    assert float(fields[7]) == pytest.approx(10 ** (-logprob / words[1]), rel=1e-6)


def test_sentence_probabilities_sum_over_hidden_events(files, capsys):
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-ppl", str(files / "text.txt"), "-debug", "1")
    first = COLUMN_A + COLUMN_B + COLUMN_END
    second = COLUMN_A + COLUMN_B_AFTER_OOV + COLUMN_END
    lines = out.splitlines()
    assert lines[0] == "a b"
    assert lines[1] == "1 sentences, 2 words, 0 OOVs"
    assert_totals(lines[2], first, (3, 2))
    assert lines[3:6] == ["", "a x b", "1 sentences, 3 words, 1 OOVs"]
    assert_totals(lines[6], second, (3, 2))  # the OOV is not scored: 2 words and </s>
    assert_totals(lines[-1], first + second, (6, 4))
    assert lines[-2] == f"file {files / 'text.txt'}: 2 sentences, 5 words, 1 OOVs"


def test_debug_2_word_lines_and_viterbi_events(files, capsys):
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-ppl", str(files / "text.txt"), "-debug", "2")
    lines = out.splitlines()

    # Each word's probability is the ratio of successive prefix probabilities: its column's
    # sum. The best path puts <#s> before b (-0.2 + -0.1 - 0.1 against -0.2 - 0.4).
    assert_word_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", COLUMN_A)
    assert_word_line(lines[2], "\tp( b | a ...) \t= [2gram] ", COLUMN_B)
    assert_word_line(lines[3], "\tp( </s> | b ...) \t= [2gram] ", COLUMN_END)
    assert lines[4] == "Hidden events: *noevent* <#s> *noevent*"
    assert lines[5] == "1 sentences, 2 words, 0 OOVs"
    assert lines[10] == "\tp( <unk> | a ...) \t= [OOV] 0 [ -inf ]"
    # after the restart the context (*noevent* x) has no bigram: b's tag is [1gram]
    assert_word_line(lines[11], "\tp( b | <unk> ...) \t= [1gram] ", COLUMN_B_AFTER_OOV)
    # a path through the restart has no start to trace back to
    assert lines[13] == "Viterbi backtrace failed"
    assert lines[14] == "1 sentences, 3 words, 1 OOVs"


def test_observed_omitted_word_stays_out_of_the_context(files, capsys):
    (files / "uh.txt").write_text("a uh b\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-ppl", str(files / "uh.txt"), "-debug", "2")
    lines = out.splitlines()
    # uh after a: p(uh | a) = bow(a) + p(uh) = -1.4 from the no-event state, p(uh | <#s>) =
    # bow(<#s>) + p(uh) = -1.6 after p(<#s> | a) = -0.1. uh is left out of the context, so b
    # follows a (no event: p(b | a) = -0.4; <#s>: -0.1 - 0.1) or <#s> (p(b | <#s>) = -0.1, or
    # p(<#s> | <#s>) + p(b | <#s>) = -0.4 - 1.0 - 0.1).
    after_a, after_hidden = COLUMN_A - 1.4, COLUMN_A - 0.1 - 1.6
    column_uh = log_sum(after_a, after_hidden)
    column_b = log_sum(after_a - 0.4, after_a - 0.2, after_hidden - 0.1, after_hidden - 1.5)
    assert_word_line(lines[2], "\tp( uh | a ...) \t= [1gram] ", column_uh - COLUMN_A)
    # one tag: the one state after uh without an event before it (its context: a)
    assert_word_line(lines[3], "\tp( b | uh ...) \t= [2gram] ", column_b - column_uh)


def test_repeat_and_delete_events(files, capsys):
    (files / "disfluency.vocab").write_text("REP -repeat 1 -omit\nDEL -delete 1 -omit\n")
    (files / "disfluency.txt").write_text("a a\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "disfluency.vocab"), "-ppl", str(files / "disfluency.txt"), "-debug", "2")
    lines = out.splitlines()
    # a after <s>: REP would repeat <s>, DEL cannot delete <s>: only p(a | <s>) = -0.2.
    # the second a: p(a | a) = bow(a) + p(a) = -0.7; or REP, p(REP | a) = bow(a) + p(REP) = -0.5,
    # with the repeated word free; or DEL, p(DEL | a) = -0.7, deleting a from the context, and
    # (as SRILM's code reads the word's context after writing the word over the deleted one)
    # p(a | a) = -0.7. All three leave the context a.
    second = math.log10(10 ** -0.7 + 10 ** -0.5 + 10 ** -1.4)
    assert_word_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", -0.2)
    # one tag: the no-event path (REP pays no word, DEL's word is not on the no-event path)
    assert_word_line(lines[2], "\tp( a | a ...) \t= [1gram] ", second)
    # </s> after a: p(</s> | a) = bow(a) + p(</s>) = -0.8 from each state; REP cannot repeat a
    # as </s>; DEL: p(DEL | a) = -0.7, then p(</s> | </s>) = bow(</s>) + p(</s>) = -0.6
    end = math.log10(10 ** -0.8 + 10 ** -1.3)
    assert lines[3].startswith("\tp( </s> | a ...) \t= [1gram] ")
    assert_word_line(lines[3], "\tp( </s> | a ...) \t= [1gram] ", end)
    # the most likely path repeats a
    assert lines[4] == "Hidden events: *noevent* REP *noevent*"


@pytest.mark.parametrize("omit, after_insert", [(False, -0.6), (True, -0.4)])
def test_insert_event(files, capsys, omit, after_insert):
    """-insert W puts W in the event's place: the word after the event sees W, unless the event
    is -omit, when W only joins the context that follows (the word sees the context before)."""
    (files / "insert.vocab").write_text("REP -insert <s>" + (" -omit" if omit else "") + "\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "insert.vocab"), "-ppl", str(files / "text.txt"), "-debug", "2")
    lines = out.splitlines()
    # a: p(a | <s>) = -0.2, or p(REP | <s>) = bow(<s>) + p(REP) = -0.6 then p(a | <s>) = -0.2
    assert_word_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", log_sum(-0.2, -0.8))
    # b: p(b | a) = -0.4, or p(REP | a) = bow(a) + p(REP) = -0.5 then p(b | <s>) = -0.6 or,
    # omitted, p(b | a) = -0.4
    assert_word_line(lines[2], "\tp( b | a ...) \t= [2gram] ", log_sum(-0.4, -0.5 + after_insert))
    # </s>: p(</s> | b) = -0.5, or p(REP | b) = -0.4 then p(</s> | <s>) = bow(<s>) + p(</s>) =
    # -0.9 or, omitted, p(</s> | b) = -0.5
    assert_word_line(lines[3], "\tp( </s> | b ...) \t= [2gram] ",
                     log_sum(-0.5, -0.4 + (-0.5 if omit else -0.9)))


def test_events_listed_after_the_model(files, capsys):
    """As HiddenNgram::read, lines after the model's \\end\\ are hidden vocabulary lines too,
    and a word there takes its properties from them."""
    (files / "lm-events.arpa").write_text(ARPA + "\nuh -observed\nREP -repeat 1 -omit\n")
    events = read_events(files / "hidden.vocab", files / "lm-events.arpa")
    assert [(e.word, e.observed, e.omit, e.repeat) for e in events] == [
        ("<#s>", False, False, 0), ("uh", True, False, 0), ("REP", False, True, 1)]


def test_events_missing_from_the_model_are_words(files, capsys):
    """SRILM adds the hidden vocabulary to the vocabulary: an event the model lacks, written in
    the text, is a word of probability zero (a zeroprob), not an OOV; hidden, it adds nothing."""
    (files / "missing.vocab").write_text("<#s>\nmissing\n")
    (files / "missing.txt").write_text("a missing b\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "missing.vocab"), "-ppl", str(files / "missing.txt"))
    assert out.splitlines()[0].endswith(": 1 sentences, 3 words, 0 OOVs")
    assert out.splitlines()[1].startswith("1 zeroprobs, ")


def test_overt_events(files, capsys):
    (files / "overt.txt").write_text("a <#s> b\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-hidden-not", "-ppl", str(files / "overt.txt"), "-debug", "2")
    lines = out.splitlines()
    # p(w | h) / (1 - p(<#s> | h) - p(uh | h)): the listed words, observed or not, are events
    # p(a | <s>): -0.2, p(<#s> | <s>) = -1.3, p(uh | <s>) = bow(<s>) + p(uh) = -1.5
    a = -0.2 - math.log10(1 - 10 ** -1.3 - 10 ** -1.5)
    # p(b | <#s>) = -0.1; p(<#s> | <#s>) = -1.4, p(uh | <#s>) = -1.6
    b = -0.1 - math.log10(1 - 10 ** -1.4 - 10 ** -1.6)
    assert_word_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", a)
    assert lines[2] == "\tp( <#s> | a ...) \t= [event] 0 [ -inf ]"
    assert_word_line(lines[3], "\tp( b | <#s> ...) \t= [2gram] ", b)
    assert lines[5] == "1 sentences, 3 words, 0 OOVs"
    assert lines[6].startswith("1 zeroprobs, ")


def test_hidden_sentence_boundaries(files, capsys):
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hiddens",
                    "-ppl", str(files / "text.txt"), "-debug", "2")
    lines = out.splitlines()
    # max(p(w | h), p(<#s> | h) p(w | <#s>)): a: -0.2 against -1.3 - 0.9; b: -0.4 against
    # -0.1 - 0.1 (the boundary wins, tagged [<#s>]); </s>: -0.5 against -1.1 - 1.0
    assert lines[1] == "\tp( a | <s> ) \t= [2gram][1gram][1gram] 0.6309573 [ -0.2 ]"
    assert lines[2] == "\tp( b | a ...) \t= [2gram][2gram][2gram][<#s>] 0.6309573 [ -0.2 ]"
    assert lines[3] == "\tp( </s> | b ...) \t= [2gram][1gram][1gram] 0.3162278 [ -0.5 ]"


def test_python_api(files):
    model = load(files / "lm.arpa", order=2)
    events = read_hidden_vocab(files / "hidden.vocab")
    assert [(e.word, e.observed, e.omit) for e in events] == [("<#s>", False, False), ("uh", True, True)]
    stats = HiddenEventModel(model, events).scorer().score_file(files / "text.txt")
    first = COLUMN_A + COLUMN_B + COLUMN_END
    second = COLUMN_A + COLUMN_B_AFTER_OOV + COLUMN_END
    assert (stats.sentences, stats.words, stats.oovs) == (2, 5, 1)
    assert stats.logprob == pytest.approx(first + second, abs=1e-5)
    # the model read as the command reads it, from ngramkit's namespace
    lm = ngramkit.load_hidden_event_model(files / "lm.arpa", files / "hidden.vocab", order=2)
    assert lm.scorer().score_file(files / "text.txt").logprob == stats.logprob
    boundaries = ngramkit.load_hidden_sentence_model(files / "lm.arpa", order=2).scorer()
    # max(p(w | h), p(<#s> | h) p(w | <#s>)) per word, the OOV x left out: "a b" -0.2 -0.2 -0.5;
    # "a x b": a -0.2, b after <unk> p(b) = -0.7 (p(<#s>) p(b | <#s>) = -1.1), </s> -0.5
    assert boundaries.score_file(files / "text.txt").logprob == pytest.approx(-0.9 - 1.4, abs=1e-5)


@pytest.mark.parametrize("text, message", [
    ("<#s>\nuh -bogus\n", "vocab:2: unknown property -bogus of hidden event uh"),
    ("<#s> -delete two\n", "vocab:1: -delete of hidden event <#s> takes a count of 0 to 255, not two"),
    ("<#s> -insert\n", "vocab:1: property -insert of hidden event <#s> needs a value"),
])
def test_malformed_hidden_vocabulary(tmp_path, text, message):
    path = tmp_path / "vocab"
    path.write_text(text)
    with pytest.raises(FormatError) as error:
        read_hidden_vocab(path)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


SHARED = Path(__file__).resolve().parents[2] / "shared"
GT3 = SHARED / "reference" / "en" / "srilm"


@pytest.mark.skipif(not (GT3 / "gt3.ppl0.txt").exists(), reason="needs /work/shared's SRILM references")
def test_without_events_the_pass_is_the_backoff_model(tmp_path, capsys):
    """With no hidden events each column holds one state, so the prefix probabilities are the
    backoff model's: SRILM's plain -ppl totals (the sums run in float32, hence the tolerance)."""
    (tmp_path / "empty.vocab").write_text("")
    text = tmp_path / "test.txt"
    with gzip.open(SHARED / "reference" / "en" / "test.txt.gz", "rb") as source:
        text.write_bytes(source.read())
    out = run_ngram(capsys, "-lm", str(GT3 / "gt3.arpa.gz"), "-hidden-vocab", str(tmp_path / "empty.vocab"),
                    "-ppl", str(text))
    reference = (GT3 / "gt3.ppl0.txt").read_text().splitlines()
    lines = out.splitlines()
    assert lines[0].split(":")[1] == reference[0].split(":")[1]
    ours, theirs = lines[1].split(), reference[1].split()
    assert ours[:3] == theirs[:3]
    assert float(ours[3]) == pytest.approx(float(theirs[3]), abs=0.05)
    assert float(ours[5]) == pytest.approx(float(theirs[5]), rel=1e-5)


TRIGRAM_ARPA = """
\\data\\
ngram 1=6
ngram 2=5
ngram 3=1

\\1-grams:
-99 <s> -0.3
-0.6 </s>
-0.5 a -0.2
-0.7 b -0.1
-1.0 <#s> -0.4
-1.2 uh 0

\\2-grams:
-0.2 <s> a -0.1
-0.4 a b -0.05
-0.1 a <#s> -0.15
-0.5 b </s>
-0.1 <#s> b

\\3-grams:
-0.3 <s> a b

\\end\\
"""


def test_states_in_srilm_slot_order(tmp_path, capsys):
    """A column of five states is iterated in the slot order of SRILM's LHash, and the n-gram tags
    of the next word follow that order."""
    (tmp_path / "lm.arpa").write_text(TRIGRAM_ARPA)
    (tmp_path / "hidden.vocab").write_text(HIDDEN_VOCAB)
    (tmp_path / "text.txt").write_text("a uh uh b\n")
    out = run_ngram(capsys, "-lm", str(tmp_path / "lm.arpa"), "-order", "3", "-hidden-vocab",
                    str(tmp_path / "hidden.vocab"), "-ppl", str(tmp_path / "text.txt"), "-debug", "2")
    # States (context newest first, event). After a: (a <s>, none), (a, <#s>) ("<#s> a" is no
    # bigram). uh stays out of the contexts; after the first uh: (a <s>, none), (<#s> a, <#s>),
    # (a, none); after the second, inserted in this order (previous state by event):
    #   S1 (a <s>, none)  S2 (<#s> a, <#s>)  S3 (<#s> a, none)  S4 (<#s>, <#s>)  S5 (a, none)
    # SRILM's word indices: <unk> 0, <s> 1, </s> 2, -pau- 3, *noevent* 4, <#s> 5, uh 6, then
    # a 7, b 8. A context's hash folds i += (i << 12) + w; the slot of a state in a table of
    # 2**3 slots (five entries) is ((i * 1103515245 + 12345) >> 27) + event index, mod 8, then
    # on to the next free slot.
    def slot(words, event):
        i = 0
        for w in words:
            i = (i + (i << 12) + w) & 0xFFFFFFFF
        return (((i * 1103515245 + 12345) >> 27) + event) % 8

    states = {"S1": ([7, 1], 4), "S2": ([5, 7], 5), "S3": ([5, 7], 4), "S4": ([5], 5), "S5": ([7], 4)}
    table = [None] * 8
    for name, (words, event) in states.items():
        at = slot(words, event)
        while table[at] is not None:
            at = (at + 1) % 8
        table[at] = name
    assert [name for name in table if name] == ["S4", "S5", "S3", "S1", "S2"]
    # b's tags come from the no-event states in that order: S5 p(b | a) [2gram], S3 p(b | a <#s>)
    # [2gram] (no trigram), S1 p(b | <s> a) [3gram]; in insertion order they would read
    # [3gram][2gram][2gram]
    assert out.splitlines()[4].startswith("\tp( b | uh ...) \t= [2gram][2gram][3gram] ")


SRILM_GIT = Path("/work/.mirror/BitSpeech+SRILM/repo")


def srilm_source(path):
    """The bytes of `path` in SRILM's source tree (a git directory), or None where absent."""
    if not SRILM_GIT.exists():
        return None
    done = subprocess.run(["git", "--git-dir", str(SRILM_GIT), "show", f"HEAD:{path}"], capture_output=True,
                          check=False)
    return done.stdout if done.returncode == 0 else None


def test_srilm_hidden_event_case(tmp_path, capsys):
    """SRILM's own test ngram-hidden-event: the Switchboard trigram made a hidden-sentence-boundary
    model by make-hiddens-lm, filled pauses observed and omitted, -debug 2 over eval97: the
    number of output lines naming <#s> (the sentences whose best path has a boundary) and the
    totals. make-hiddens-lm leaves the \\data\\ counts stale (SRILM warns; we refuse such files),
    so the counts are corrected before reading."""
    sources = {name: srilm_source(path) for name, path in (
        ("model", "lm/test/tests/ngram-count-gt/swbd.3bo.gz"), ("text", "lm/test/tests/ngram-count-gt/eval97.text"),
        ("vocab", "lm/test/tests/ngram-hidden-event/hidden.vocab"), ("script", "utils/src/make-hiddens-lm.gawk"),
        ("reference", "lm/test/reference/ngram-hidden-event.stdout"))}
    awk = shutil.which("gawk") or shutil.which("awk")
    if any(v is None for v in sources.values()) or awk is None:
        pytest.skip("needs SRILM's source tree with its test data, and awk")
    for name in ("text", "vocab", "script"):
        (tmp_path / name).write_bytes(sources[name])
    made = subprocess.run([awk, "-f", str(tmp_path / "script")], input=gzip.decompress(sources["model"]),
                          capture_output=True, check=True).stdout.decode()
    sections = re.split(r"^\\(\d)-grams:\n", made, flags=re.MULTILINE)
    counts = {int(order): sum(1 for line in body.split("\n\\")[0].splitlines() if line.strip())
              for order, body in zip(sections[1::2], sections[2::2])}
    made = re.sub(r"^ngram (\d)=\d+$", lambda m: f"ngram {m[1]}={counts[int(m[1])]}", made, flags=re.MULTILINE)
    (tmp_path / "model").write_text(made)
    out = run_ngram(capsys, "-debug", "2", "-hidden-vocab", str(tmp_path / "vocab"), "-lm", str(tmp_path / "model"),
                    "-ppl", str(tmp_path / "text"))
    reference = sources["reference"].decode().splitlines()
    lines = out.splitlines()
    assert str(sum("<#s>" in line for line in lines)) == reference[0]
    assert lines[-2].split(": ", 1)[1] == reference[1].split(": ", 1)[1]
    assert lines[-1] == reference[2]


# -debug 3 and 4: LM::wordProbSum and LM::updateRanks over the vocabulary, each word's
# probability the ratio of its prefix probability to the context's, as at -debug 2. The words
# summed: all but <s>, <unk> (no unigram: a closed vocabulary) and HiddenNgram's non-words, the
# hidden events (<#s>); the observed uh is a word. Where every state of a column has the same
# context h (order 2: the last word), the sum is sum_v p(v | h) + p(<#s> | h) sum_v p(v | <#s>).
SUM_WORDS = ("</s>", "a", "b", "uh", "REP", "DEL")
# log10 p(v | h) of the words above, by backoff where no bigram is listed
AFTER = {
    "<s>": (-0.3 - 0.6, -0.2, -0.6, -0.3 - 1.2, -0.3 - 0.3, -0.3 - 0.5),
    "a": (-0.2 - 0.6, -0.2 - 0.5, -0.4, -0.2 - 1.2, -0.2 - 0.3, -0.2 - 0.5),
    "b": (-0.5, -0.1 - 0.5, -0.1 - 0.7, -0.1 - 1.2, -0.1 - 0.3, -0.1 - 0.5),
    "<#s>": (-0.4 - 0.6, -0.4 - 0.5, -0.1, -0.4 - 1.2, -0.4 - 0.3, -0.4 - 0.5),
    "*noevent*": (-0.6, -0.5, -0.7, -1.2, -0.3, -0.5),  # the restart's context: the unigrams
}
HIDDEN_SENTENCE_AFTER = {"<s>": -1.3, "a": -0.1, "b": -1.1, "*noevent*": -1.0}  # p(<#s> | h)


def word_probs(h):
    """Each summed word's probability after the context h: no event, or <#s> then the word."""
    return [10 ** p + 10 ** HIDDEN_SENTENCE_AFTER[h] * 10 ** q for p, q in zip(AFTER[h], AFTER["<#s>"])]


def assert_sum_line(line, start, logp, total):
    """`line` is a -debug 3 word line: `start`, ` p [ log10 p ]`, ` / ` and the sum `total`."""
    word, given = line.split(" / ")
    assert_word_line(word, start, logp)
    assert float(given) == pytest.approx(total, rel=1e-6)
    assert given == f"{float(given):.7g}"


def test_debug_3_context_sums(files, capsys):
    ngram.main(["-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab", str(files / "hidden.vocab"),
                "-ppl", str(files / "text.txt"), "-debug", "3"])
    out, err = capsys.readouterr()
    lines = out.splitlines()
    after_s, after_a, after_b = sum(word_probs("<s>")), sum(word_probs("a")), sum(word_probs("b"))
    # sum_v p(v | <s>) = 10^-0.9 + 10^-0.2 + 10^-0.6 + 10^-1.5 + 10^-0.6 + 10^-0.8, plus
    # 10^-1.3 (10^-1.0 + 10^-0.9 + 10^-0.1 + 10^-1.6 + 10^-0.7 + 10^-0.9)
    assert after_s == pytest.approx(1.4493392 + 0.0501187 * 1.3707583, rel=1e-6)
    assert_sum_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", COLUMN_A, after_s)
    # after a the two states (no event, <#s>) both have the context a
    assert_sum_line(lines[2], "\tp( b | a ...) \t= [2gram] ", COLUMN_B, after_a)
    assert_sum_line(lines[3], "\tp( </s> | b ...) \t= [2gram] ", COLUMN_END, after_b)
    assert lines[4] == "Hidden events: *noevent* <#s> *noevent*"
    assert lines[5] == "1 sentences, 2 words, 0 OOVs"
    # "a x b": x's context is a's; after the OOV the pass restarts from one state whose context
    # (*noevent* x) holds no n-gram: b and the other words from the unigrams
    assert lines[10] == f"\tp( <unk> | a ...) \t= [OOV] 0 [ -inf ] / {after_a:.7g}"
    assert_sum_line(lines[11], "\tp( b | <unk> ...) \t= [1gram] ", COLUMN_B_AFTER_OOV, sum(word_probs("*noevent*")))
    assert_sum_line(lines[12], "\tp( </s> | b ...) \t= [2gram] ", COLUMN_END, after_b)
    # the sums exceed 1 by the events' share (SRILM warns on stderr, context newest first)
    assert f"warning: word probs for this context sum to {after_a:g} != 1 : a <s>\n" in err
    assert f"warning: word probs for this context sum to {after_b:g} != 1 : b a <s>\n" in err


def test_debug_3_sums_with_repeat_and_delete_events(files, capsys):
    """The sums run the events' context changes for each word: REP repeats only the word before,
    DEL reads the word's context after writing the word over the deleted one."""
    (files / "disfluency.vocab").write_text("REP -repeat 1 -omit\nDEL -delete 1 -omit\n")
    (files / "disfluency.txt").write_text("a a\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "disfluency.vocab"), "-ppl", str(files / "disfluency.txt"), "-debug", "3")
    lines = out.splitlines()
    # summed: </s> a b <#s> uh (REP and DEL are the events). After <s> neither event applies:
    # p(v | <s>) = 10^-0.9 + 10^-0.2 + 10^-0.6 + 10^-1.3 + 10^-1.5
    assert_sum_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", -0.2,
                    10 ** -0.9 + 10 ** -0.2 + 10 ** -0.6 + 10 ** -1.3 + 10 ** -1.5)
    # after a: no event, p(v | a) = -0.8, -0.7, -0.4, -0.1, -1.4; REP (p(REP | a) = -0.5) for
    # v = a alone, the word free; DEL (p(DEL | a) = -0.7) then p(v | v): -0.6, -0.7, -0.8,
    # -1.4, -1.2
    after_a = (10 ** -0.8 + 10 ** -0.7 + 10 ** -0.4 + 10 ** -0.1 + 10 ** -1.4 + 10 ** -0.5
               + 10 ** -0.7 * (10 ** -0.6 + 10 ** -0.7 + 10 ** -0.8 + 10 ** -1.4 + 10 ** -1.2))
    assert_sum_line(lines[2], "\tp( a | a ...) \t= [1gram] ", math.log10(10 ** -0.7 + 10 ** -0.5 + 10 ** -1.4),
                    after_a)
    # the three states after the second a (no event, REP, DEL) all have the context a
    assert lines[3].startswith("\tp( </s> | a ...) \t= [1gram] ")
    assert float(lines[3].split(" / ")[1]) == pytest.approx(after_a, rel=1e-6)


def test_debug_4_ranks(files, capsys):
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-ppl", str(files / "text.txt"), "-debug", "4")
    lines = out.splitlines()
    # word lines as at -debug 2, without sums
    assert_word_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", COLUMN_A)
    assert lines[4] == "Hidden events: *noevent* <#s> *noevent*"
    # "a b": a (0.637) and b (10^-0.4 + 10^-0.2 = 1.03) are the most probable of their contexts;
    # </s> (0.324) follows REP (10^-0.4 + 10^-1.1 10^-0.7 = 0.414): rank 1
    for h, word in (("<s>", "a"), ("a", "b")):
        probs = word_probs(h)
        assert max(probs) == probs[SUM_WORDS.index(word)]
    probs = word_probs("b")
    assert sorted(probs, reverse=True)[:2] == [probs[SUM_WORDS.index("REP")], probs[SUM_WORDS.index("</s>")]]
    # losses 1 - p, 0 where p > 1: a's, none for b, </s>'s
    losses = [1 - 10 ** COLUMN_A, 0.0, 1 - 10 ** COLUMN_END]
    assert lines[5:7] == ["1 sentences, 2 words, 0 OOVs", lines[6]]
    assert lines[7] == "2 words, rank1= 1 rank5= 1 rank10= 1"
    fields = lines[8].split()
    assert fields[:8] == ["3", "words+sents,", "rank1wSent=", "0.6666666666666666", "rank5wSent=", "1",
                          "rank10wSent=", "1"]
    assert float(fields[9]) == pytest.approx(math.sqrt(sum(x * x for x in losses) / 3), rel=1e-6)
    assert float(fields[11]) == pytest.approx(sum(losses) / 3, rel=1e-6)
    assert lines[9] == ""
    # "a x b": the OOV x (probability 0) ranks below all six words: in the first 10 only;
    # b after the restart: 10^-0.7 + 10^-1.0 10^-0.1 = 0.279 against REP's 10^-0.3 + 10^-1.0
    # 10^-0.7 = 0.521 and a's and DEL's 10^-0.5 + 10^-1.0 10^-0.9 = 0.329: rank 3; </s> rank 1 again
    probs = word_probs("*noevent*")
    assert sorted(probs, reverse=True)[:4] == [probs[SUM_WORDS.index(w)] for w in ("REP", "a", "DEL", "b")]
    assert lines[18] == "3 words, rank1= 0.3333333333333333 rank5= 0.6666666666666666 rank10= 1"
    assert lines[19].startswith("4 words+sents, rank1wSent= 0.25 rank5wSent= 0.75 rank10wSent= 1 qloss= ")
    # the totals: 5 words and 2 </s> ranked
    assert lines[-2] == "5 words, rank1= 0.6 rank5= 0.8 rank10= 1"
    assert lines[-1].startswith("7 words+sents, rank1wSent= 0.4285714285714285 rank5wSent= 0.8571428571428571 "
                                "rank10wSent= 1 qloss= ")


def test_debug_3_overt_events_and_hidden_sentence_boundaries(files, capsys):
    (files / "overt.txt").write_text("a <#s> b\n")
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hidden-vocab",
                    str(files / "hidden.vocab"), "-hidden-not", "-ppl", str(files / "overt.txt"), "-debug", "3")
    lines = out.splitlines()
    # -hidden-not: the listed words have probability 0, the others p(v | h) / (1 - p(<#s> | h)
    # - p(uh | h)); after <s>: (10^-0.9 + 10^-0.2 + 10^-0.6 + 10^-0.6 + 10^-0.8) / (1 - 10^-1.3 - 10^-1.5)
    scale = 1 - 10 ** -1.3 - 10 ** -1.5
    a = -0.2 - math.log10(scale)
    assert_sum_line(lines[1], "\tp( a | <s> ) \t= [2gram] ", a,
                    (10 ** -0.9 + 10 ** -0.2 + 10 ** -0.6 + 10 ** -0.6 + 10 ** -0.8) / scale)
    # after a: p(<#s> | a) = -0.1, p(uh | a) = -1.4
    word, given = lines[2].split(" / ")
    assert word == "\tp( <#s> | a ...) \t= [event] 0 [ -inf ]"
    assert float(given) == pytest.approx((10 ** -0.8 + 10 ** -0.7 + 10 ** -0.4 + 10 ** -0.5 + 10 ** -0.7)
                                         / (1 - 10 ** -0.1 - 10 ** -1.4), rel=1e-6)
    out = run_ngram(capsys, "-lm", str(files / "lm.arpa"), "-order", "2", "-hiddens",
                    "-ppl", str(files / "text.txt"), "-debug", "3")
    lines = out.splitlines()
    # -hiddens: <#s> is a word too; each word max(p(v | h), p(<#s> | h) p(v | <#s>)) (p(<#s> |
    # <#s>) = -1.4): after <s> the direct n-gram wins for every word
    assert lines[1] == (f"\tp( a | <s> ) \t= [2gram][1gram][1gram] 0.6309573 [ -0.2 ] / "
                        f"{10 ** -0.9 + 10 ** -0.2 + 10 ** -0.6 + 10 ** -1.3 + 10 ** -1.5 + 10 ** -0.6 + 10 ** -0.8:.7g}")
    # after a, through <#s> (-0.1) for b alone (-0.2 against -0.4)
    after_a = 10 ** -0.8 + 10 ** -0.7 + 10 ** -0.2 + 10 ** -0.1 + 10 ** -1.4 + 10 ** -0.5 + 10 ** -0.7
    assert float(lines[2].split(" / ")[1]) == pytest.approx(after_a, rel=1e-6)


def test_state_contexts_end_where_the_model_has_no_backoff_weight(tmp_path):
    """SRILM's ARPA reader makes a context node only for an n-gram listed with a backoff weight,
    and a trellis state keeps the longest context with a node (Ngram::contextID): "b c" is a
    bigram without one, so a state after "b c" keeps c alone; after "a b" (with one) both words;
    </s> has none at all (length 0, which the pass raises to the one word it always keeps)."""
    (tmp_path / "lm3.arpa").write_text("\\data\\\nngram 1=5\nngram 2=3\nngram 3=1\n\n\\1-grams:\n"
                                       "-99 <s> -0.1\n-0.6 </s>\n-0.5 a -0.2\n-0.7 b -0.3\n-0.8 c -0.4\n\n"
                                       "\\2-grams:\n-0.2 <s> a\n-0.3 a b -0.1\n-0.4 b c\n\n"
                                       "\\3-grams:\n-0.1 a b c\n\n\\end\\\n")
    model = load(tmp_path / "lm3.arpa", order=3)
    contexts = hidden_lm._context_tables(model)
    index = model.vocab.index
    for words, used in ((["c", "b"], 1), (["b", "a"], 2), (["a", "<s>"], 1), (["</s>", "c"], 0)):
        ctx = np.array([index[w] for w in words] + [-1], dtype=np.int32)
        assert hidden_lm._used_length(contexts.uni_logprob, contexts.meta, contexts.entries, ctx, 0) == used
