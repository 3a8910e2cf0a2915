"""`ngramkit lmplz` agrees with KenLM's lmplz (git 4cb443e): the same n-grams, every log10
probability and backoff weight within 1e-4, the same discounts in the Statistics block,
and the same sentence scores from the kenlm module.

tests/data holds samples of the reference ARPA files (tests/make_kenlm_arpa_samples.py:
full \\data\\ counts, n-grams whose first word is in a fixed 1/32 of the vocabulary), en/o3
in full, and lmplz's stderr; the full references are compared when ../shared is present.
"""

import contextlib
import functools
import io
import json
import math
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared
from make_kenlm_arpa_samples import sampled
from test_estimate_srilm import largest_difference, sample_difference

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli import lmplz_cmd
from ngramkit.cli.lmplz_cmd import build_lmplz, join_multi_values

TOLERANCE = 1e-4

# name -> lmplz flags, as in the references' .cmd.txt files (all also had -S 2G)
CONFIGS = {"o3": "-o 3", "o4": "-o 4", "o5": "-o 5", "o4-prune011": "-o 4 --prune 0 1 1"}
CASES = [(lang, name) for lang in ("en", "zh") for name in CONFIGS]
_WORKDIR = Path(tempfile.mkdtemp(prefix="test-lmplz-"))


@functools.cache
def lmplz_like_kenlm(lang, name):
    """Our lmplz on the reference's training text: (model, ARPA path, stderr lines)."""
    flags = CONFIGS[name].split()
    order = int(flags[1])
    prune = " ".join(flags[3:])
    arpa = _WORKDIR / f"{lang}-{name}.arpa"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        model = build_lmplz(order, str(REFERENCE / lang / "train.txt.gz"), str(arpa), prune=prune,
                            memory="2G", temp_prefix=str(_WORKDIR))
    lines = err.getvalue().splitlines()
    return model, arpa, lines


def statistics_block(lines):
    start = lines.index("Statistics:")
    end = start + 1
    while end < len(lines) and lines[end][:1].isdigit():
        end += 1
    return lines[start:end]


@pytest.mark.parametrize("lang,name", CASES)
def test_sample_matches_kenlm(lang, name):
    ours, _, _ = lmplz_like_kenlm(lang, name)
    if (lang, name) == ("en", "o3"):
        worst = largest_difference(ours, read_arpa(REFERENCE / "en" / "kenlm" / "o3.arpa.gz"), 0.0)
    else:
        worst = sample_difference(ours, REFERENCE / lang / "kenlm" / f"{name}.sample.arpa.gz",
                                  keep_word=sampled, absent_backoff=0.0)
    print(f"{lang} {name}: largest difference {worst:.3g}")
    assert worst < TOLERANCE


@pytest.mark.parametrize("lang,name", CASES)
def test_statistics_match_lmplz(lang, name):
    _, _, lines = lmplz_like_kenlm(lang, name)
    expected = (REFERENCE / lang / "kenlm" / f"{name}.stderr.txt").read_text().splitlines()
    assert statistics_block(lines) == statistics_block(expected)
    tokens = next(line for line in expected if line.startswith("Unigram tokens"))
    assert tokens in lines


@needs_shared
@pytest.mark.parametrize("lang,name", CASES)
def test_full_reference_matches_kenlm(lang, name):
    ours, arpa, _ = lmplz_like_kenlm(lang, name)
    worst = largest_difference(ours, read_arpa(SHARED_REFERENCE / lang / "kenlm" / f"{name}.arpa.gz"), 0.0)
    print(f"{lang} {name}: largest difference {worst:.3g}")
    assert worst < TOLERANCE


def test_written_arpa_is_kenlm_layout():
    _, arpa, _ = lmplz_like_kenlm("en", "o4-prune011")
    text = arpa.read_text(encoding="utf-8")
    unigrams = text.split("\\1-grams:\n")[1].split("\n\n")[0].splitlines()
    assert all(len(line.split("\t")) == 3 for line in unigrams)
    by_word = {line.split("\t")[1]: line.split("\t") for line in unigrams}
    assert by_word["<s>"][0] == "0"
    assert by_word["<unk>"][0] == "-4.8243637"
    highest = text.split("\\4-grams:\n")[1].split("\n\n")[0].splitlines()
    assert all(len(line.split("\t")) == 2 for line in highest)


def test_kenlm_module_scores_like_on_kenlms_model():
    kenlm = pytest.importorskip("kenlm")
    _, arpa, _ = lmplz_like_kenlm("en", "o3")
    ours, theirs = kenlm.Model(str(arpa)), kenlm.Model(str(REFERENCE / "en" / "kenlm" / "o3.arpa.gz"))
    rows = [json.loads(line) for line in (REFERENCE / "en" / "kenlm" / "o3.full_scores.jsonl").open()]
    worst = 0.0
    for row in rows:
        assert theirs.score(row["sentence"], bos=True, eos=True) == pytest.approx(row["score"], abs=1e-5)
        worst = max(worst, abs(ours.score(row["sentence"], bos=True, eos=True) - row["score"]))
        our_words = [(n, oov) for _, n, oov in ours.full_scores(row["sentence"])]
        assert our_words == [(n, oov) for _, n, oov in row["full_scores"]]
    print(f"kenlm module: largest sentence score difference {worst:.3g}")
    assert worst < TOLERANCE


def test_multi_value_options_are_joined():
    assert join_multi_values(["-o", "4", "--prune", "0", "1", "1", "--arpa", "x"]) == \
        ["-o", "4", "--prune", "0 1 1", "--arpa", "x"]
    assert join_multi_values(["--discount_fallback", "-o", "3"]) == ["--discount_fallback", "", "-o", "3"]
    assert join_multi_values(["--discount_fallback=0.4", "0.9"]) == ["--discount_fallback", "0.4 0.9"]


def small_text(tmp_path, lines):
    path = tmp_path / "text.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_discount_fallback(cli, tmp_path):
    text = small_text(tmp_path, ["a b c", "a b d", "b c d e"])
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa"])
    assert status == 7 and "--discount_fallback" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.arpa").exists()
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                          "--discount_fallback"])
    assert status == 0, err
    assert "substituting fallback discounts D1=0.5 D2=1 D3+=1.5" in err
    assert "2 10 D1=0.5 D2=1 D3+=1.5" in err.splitlines()
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "y.arpa",
                                          "--discount_fallback", "0.4", "0.9"])
    assert status == 0 and "D1=0.4 D2=0.9 D3+=0.9" in err


@pytest.mark.parametrize("args,message", [
    (["--prune", "1", "1"], "first pruning threshold must be 0"),
    (["--prune", "0", "2", "1"], "non-decreasing"),
    (["--prune", "0", "1", "1", "1"], "the order is 3"),
    (["--discount_fallback", "0.5", "2.5"], "outside [0, 2]"),
    (["--discount_fallback", "1", "1", "1", "1"], "at most three"),
])
def test_bad_options_are_one_line_errors(cli, tmp_path, args, message):
    text = small_text(tmp_path, ["a b c"])
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "3", "--text", text, "--arpa", tmp_path / "x.arpa"] + args)
    assert status == 2 and message in err and len(err.splitlines()) == 1


def test_special_tokens_need_skip_symbols(cli, tmp_path):
    lines = ["a b c d", "a <s> b c", "b c </s> d", "c <unk> a b", "a c b d", "d d a c"] * 3
    text = small_text(tmp_path, lines)
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                          "--discount_fallback"])
    assert status == 4 and "--skip_symbols" in err
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                          "--discount_fallback", "--skip_symbols", "-T", tmp_path])
    assert status == 0, err
    plain = small_text(tmp_path, [line.replace("<s>", "").replace("</s>", "").replace("<unk>", "")
                                  for line in lines])
    cli(lmplz_cmd.lmplz, ["-o", "2", "--text", plain, "--arpa", tmp_path / "y.arpa", "--discount_fallback"])
    assert (tmp_path / "x.arpa").read_text() == (tmp_path / "y.arpa").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["text.txt", "x.arpa", "y.arpa"]


def test_uninterpolated_unigrams_give_the_weight_to_unk(tmp_path):
    """--interpolate_unigrams 0: p(w) = (c - D) / T, and <unk> gets the unigram weight gamma."""
    text = small_text(tmp_path, ["a b c a", "a b d", "b c d e a", "c a b", "e e d"] * 4)
    interpolated = build_lmplz(2, str(text), str(tmp_path / "i.arpa"), discount_fallback="", quiet=True)
    plain = build_lmplz(2, str(text), str(tmp_path / "p.arpa"), discount_fallback="",
                        interpolate_unigrams=False, quiet=True)
    unk = plain.vocab.unk
    for model in (interpolated, plain):
        p = 10.0 ** model.logprob[0].astype(np.float64)
        words = model.ngrams[0][:, 0] != model.vocab.bos
        assert p[words].sum() == pytest.approx(1.0, abs=1e-6)
    p_plain = 10.0 ** plain.logprob[0].astype(np.float64)
    p_interpolated = 10.0 ** interpolated.logprob[0].astype(np.float64)
    at_unk = plain.ngrams[0][:, 0] == unk
    others = ~at_unk & (plain.ngrams[0][:, 0] != plain.vocab.bos)
    # interpolated: p(w) = plain p(w) + gamma/|V|, and p(<unk>) = gamma/|V|
    assert np.allclose(p_interpolated[others] - p_plain[others], p_interpolated[at_unk][0], rtol=1e-5)
    assert p_plain[at_unk][0] == pytest.approx(p_interpolated[at_unk][0] * (others.sum() + 1), rel=1e-5)


def test_limit_vocab_file_matches_hand_computation(tmp_path):
    """--limit_vocab_file, worked by hand from lmplz's formulas (lm/builder): adjust_counts.cc
    marks every n-gram holding a word outside the file, but the marked n-grams still make the
    adjusted counts and the count-of-counts (so the discounts); initial_probabilities.cc keeps
    them in their context's total and adds their adjusted counts to its weight gamma, and drops
    them (and their unigrams) from the model; interpolate.cc interpolates the unigrams with the
    uniform distribution over the kept unigrams but <s>, and writes gamma as the backoff weight.

    Text "a a b x b", "c b", "a b b", "a c c b"; the file holds a, b and c, so x is pruned.
    Bigram counts: <s> a 3, <s> c 1, a a 1, a b 2, a c 1, b b 1, b x 1, b </s> 4, c b 2, c c 1,
    x b 1: count-of-counts n1..n4 = 7, 2, 1, 1 (b x and x b among the ones), Y = n1/(n1 + 2 n2)
    = 7/11, D1 = 1 - 2Y n2/n1 = 7/11, D2 = 2 - 3Y n3/n2 = 23/22, D3+ = 3 - 4Y n4/n3 = 5/11
    (without x's bigrams n1 would be 5 and D1 5/9).
    Unigram adjusted counts (distinct left words): a 2, b 4 (a, b, c and x), c 3, x 1, </s> 1:
    n1..n4 = 2, 1, 1, 1, Y = 1/2, D1 = 1/2, D2 = 1/2, D3+ = 1.
    Unigrams: total T = 11 with x; gamma = (D(a) + D(b) + D(c) + D(</s>) + a(x)) / T
    = (1/2 + 1 + 1 + 1/2 + 1) / 11 = 4/11, spread over the 5 kept words </s>, <unk>, a, b, c:
    p(w) = (a(w) - D(a(w))) / T + gamma / 5, e.g. p(a) = 3/22 + 4/55 = 23/110, p(<unk>) = 4/55.
    Bigrams: p(w | v) = (c(v w) - D(c(v w))) / T(v) + gamma(v) p(w), gamma(v) = (sum of the
    kept followers' D + c(v x)) / T(v); e.g. after b: T = 6, gamma = (7/11 + 5/11 + 1) / 6
    = 23/66, p(</s> | b) = (4 - 5/11) / 6 + 23/66 * 13/110 = 4589/7260.
    """
    text = small_text(tmp_path, ["a a b x b", "c b", "a b b", "a c c b"])
    (tmp_path / "vocab.txt").write_text("a b\nc\n", encoding="utf-8")
    arpa = tmp_path / "limited.arpa"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        model = build_lmplz(2, str(text), str(arpa), limit_vocab_file=str(tmp_path / "vocab.txt"))

    unigram_discount = {1: Fraction(1, 2), 2: Fraction(1, 2), 3: Fraction(1)}  # by count, 3 is 3+
    bigram_discount = {1: Fraction(7, 11), 2: Fraction(23, 22), 3: Fraction(5, 11)}
    adjusted = {"a": 2, "b": 4, "c": 3, "</s>": 1}  # kept words; x's adjusted count is 1
    gamma = (sum(unigram_discount[min(c, 3)] for c in adjusted.values()) + 1) / 11
    unigram = {w: (c - unigram_discount[min(c, 3)]) / 11 + gamma / 5 for w, c in adjusted.items()}
    unigram["<unk>"] = gamma / 5
    assert gamma == Fraction(4, 11) and unigram["a"] == Fraction(23, 110) and sum(unigram.values()) == 1
    followers = {"<s>": {"a": 3, "c": 1}, "a": {"a": 1, "b": 2, "c": 1},
                 "b": {"b": 1, "x": 1, "</s>": 4}, "c": {"b": 2, "c": 1}}
    backoff, bigram = {}, {}
    for v, counts in followers.items():
        total = sum(counts.values())
        kept = {w: c for w, c in counts.items() if w != "x"}
        backoff[v] = (sum(bigram_discount[min(c, 3)] for c in kept.values()) + counts.get("x", 0)) / total
        for w, c in kept.items():
            bigram[v, w] = (c - bigram_discount[min(c, 3)]) / total + backoff[v] * unigram[w]
    assert backoff["b"] == Fraction(23, 66) and bigram["b", "</s>"] == Fraction(4589, 7260)

    words = model.vocab.words
    ours_unigram = {words[i]: (float(p), float(b)) for (i,), p, b in
                    zip(model.ngrams[0], model.logprob[0], model.backoff[0])}
    assert sorted(ours_unigram) == ["</s>", "<s>", "<unk>", "a", "b", "c"]  # no x
    for w, p in unigram.items():
        assert ours_unigram[w][0] == pytest.approx(math.log10(p), abs=1e-6), w
        written_backoff = np.nan_to_num(ours_unigram[w][1], nan=0.0)
        assert written_backoff == pytest.approx(math.log10(backoff.get(w, 1)), abs=1e-6), w
    assert ours_unigram["<s>"][0] == 0.0
    assert ours_unigram["<s>"][1] == pytest.approx(math.log10(backoff["<s>"]), abs=1e-6)
    ours_bigram = {(words[v], words[w]): float(p) for (v, w), p in zip(model.ngrams[1], model.logprob[1])}
    assert sorted(ours_bigram) == sorted(bigram)  # b x and x b are gone
    for key, p in bigram.items():
        assert ours_bigram[key] == pytest.approx(math.log10(p), abs=1e-6), key

    lines = err.getvalue().splitlines()
    assert "Unigram tokens 14 types 7" in lines
    assert statistics_block(lines)[1:] == ["1 6/7 D1=0.5 D2=0.5 D3+=1",
                                           "2 9/11 D1=0.636364 D2=1.04545 D3+=0.454545"]

    # As with --prune, the pruned counts given to gamma make every context's distribution sum
    # to one, here over the kept words (interpolate.cc: uniform 1/5 covers exactly them).
    scorer = ngramkit.Model(str(arpa))
    assert "x" not in scorer
    for context in ("<s>", "a", "b", "c"):
        state, after = ngramkit.State(), ngramkit.State()
        if context == "<s>":
            scorer.BeginSentenceWrite(state)
        else:
            scorer.NullContextWrite(after)
            scorer.BaseScore(after, context, state)
        total = sum(10.0 ** scorer.BaseScore(state, w, after) for w in ("a", "b", "c", "</s>", "<unk>"))
        assert total == pytest.approx(1.0, abs=1e-6), context


@pytest.mark.parametrize("contents,status,message", [
    (None, 3, "no such file"),
    (" \n\t\n", 4, "holds no words"),
])
def test_limit_vocab_file_errors_are_one_line(cli, tmp_path, contents, status, message):
    text = small_text(tmp_path, ["a b c"])
    vocab = tmp_path / "vocab.txt"
    if contents is not None:
        vocab.write_text(contents, encoding="utf-8")
    exit_status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                               "--limit_vocab_file", vocab])
    assert exit_status == status and message in err and str(vocab) in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.arpa").exists()


def test_ngrams_discounted_to_zero_keep_their_probability(cli, tmp_path):
    # KenLM's lmplz (tests/data/kenlm/README.md) keeps "<s> the", D3+ = 3 leaving it no count,
    # with its interpolated probability; SRILM would drop it
    text = small_text(tmp_path, ["the cat sat", "the dog sat", "the cat ran"])
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                          "--discount_fallback"])
    assert status == 0, err
    ours, kenlm = read_arpa(tmp_path / "x.arpa"), read_arpa(REFERENCE.parent / "kenlm" / "zero-discounted.arpa")
    assert largest_difference(ours, kenlm) < 1e-6


def test_blank_lines_are_sentences_of_no_words(cli, tmp_path):
    # KenLM's lmplz (tests/data/kenlm/README.md) counts each blank line as <s> </s>
    text = small_text(tmp_path, ["a b c", "", "b c a", "  \t ", "a c"])
    status, _, err = cli(lmplz_cmd.lmplz, ["-o", "2", "--text", text, "--arpa", tmp_path / "x.arpa",
                                          "--discount_fallback"])
    assert status == 0, err
    ours, kenlm = read_arpa(tmp_path / "x.arpa"), read_arpa(REFERENCE.parent / "kenlm" / "blank-lines.arpa")
    assert largest_difference(ours, kenlm) < 1e-6
