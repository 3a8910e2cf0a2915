"""SRILM's word-by-word mixtures (-bayes N, -bayes-scale, -context-priors, -loglinear-mix,
-adapt-marginals) and -read-mix-lms, against hand computations from SRILM's formulas
(BayesMix.cc, LoglinearMix.cc, AdaptiveMarginals.cc, NgramLM.cc's mixProbs) on two small
bigram models, and their -debug 2 lines against SRILM's formats."""

import math
from pathlib import Path

import numpy as np
import pytest

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram
from ngramkit.errors import FormatError
from ngramkit.mixing import mix_all
from ngramkit.mixture_lm import read_mix_lms

DATA = Path(__file__).resolve().parent / "data" / "mixture"
A, B, TEXT = DATA / "a.arpa", DATA / "b.arpa", DATA / "t.txt"
INF = math.inf

# The models as written in a.arpa and b.arpa: unigram log10 p, backoff weights, bigrams.
A_UNI = {"</s>": -0.6, "a": -0.5, "b": -0.7, "c": -1.0}
A_BOW = {"<s>": -0.3, "a": -0.2, "b": -0.1}
A_BI = {("<s>", "a"): -0.2, ("a", "b"): -0.4, ("b", "</s>"): -0.3, ("a", "a"): -0.5}
B_UNI = {"</s>": -0.5, "a": -0.6, "b": -0.6, "d": -0.8}
B_BOW = {"<s>": -0.25, "a": -0.3, "b": -0.2}
B_BI = {("<s>", "b"): -0.3, ("a", "b"): -0.25, ("b", "a"): -0.35}
EVENTS = ["</s>", "a", "b", "c", "d"]  # the shared vocabulary less <s> and <unk>


def f32(x):
    return float(np.float32(x))


def lp(model, word, prev=None):
    """log10 p_BO(word | prev) of model "A" or "B", by the backoff rule, in float (SRILM's LogP)."""
    uni, bow, bi = (A_UNI, A_BOW, A_BI) if model == "A" else (B_UNI, B_BOW, B_BI)
    if prev is not None and (prev, word) in bi:
        return f32(bi[(prev, word)])
    if word not in uni:
        return -INF
    return f32(f32(uni[word]) + f32(bow.get(prev, 0.0) if prev is not None else 0.0))


def loglinear_numerator(word, prev):
    """0.75 log pA + 0.25 log pB, summed into a float as SRILM's LoglinearMix does."""
    return f32(f32(0.75 * lp("A", word, prev)) + 0.25 * lp("B", word, prev))


def prob(logp):
    """SRILM's LogPtoProb: exp(logp ln 10)."""
    return 0.0 if logp == -INF else math.exp(logp * math.log(10))


def word_line(word, prev, tags, logp, first):
    """SRILM's -debug 2 line: tags then the probability and its log (%.7g)."""
    return f"\tp( {word} | {prev} {'' if first else '...'}) \t= {tags} {prob(logp):.7g} [ {logp:.7g} ]"


def run(cli, argv):
    status, out, err = cli(ngram.main, argv)
    assert status == 0, err
    return out.splitlines()


def bigram_probs(model):
    """{n-gram words: log10 p} of a model."""
    return {tuple(model.vocab.words[i] for i in row): float(p)
            for rows, logp in zip(model.ngrams, model.logprob) for row, p in zip(rows, logp)}


def test_bayes_posteriors_of_the_last_word(cli):
    lines = run(cli, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-bayes", "1", "-ppl", TEXT,
                      "-debug", "2"])
    # p(a | <s>): the context is <s> alone, whose marginal is p(</s>) (BayesMix via contextProb)
    wa, wb = 0.75 * 10 ** -0.6, 0.25 * 10 ** -0.5
    p = (wa * 10 ** -0.2 + wb * 10 ** (-0.6 - 0.25)) / (wa + wb)
    assert lines[1] == word_line("a", "<s>", f"[2gram][1gram][post={wa / (wa + wb):.7g},{wb / (wa + wb):.7g}]",
                                 f32(math.log10(p)), True)
    # p(b | a): weights by p(a), a bigram in both models
    wa, wb = 0.75 * 10 ** -0.5, 0.25 * 10 ** -0.6
    p = (wa * 10 ** -0.4 + wb * 10 ** -0.25) / (wa + wb)
    assert lines[2] == word_line("b", "a", f"[2gram][2gram][post={wa / (wa + wb):.7g},{wb / (wa + wb):.7g}]",
                                 f32(math.log10(p)), False)
    # p(</s> | c): B gives c probability zero, so its posterior is 0
    assert lines[11] == word_line("</s>", "c", "[1gram][1gram][post=1,0]", -0.6, False)


def test_bayes_scale_and_two_words(cli):
    lines = run(cli, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-bayes", "2", "-bayes-scale",
                      "0.5", "-ppl", TEXT, "-debug", "2"])
    # p(</s> | a b): the last two words' marginal p(a) p(b | a), scaled by 0.5 in the log
    ma, mb = -0.5 + -0.4, -0.6 + -0.25
    wa, wb = 0.75 * 10 ** (0.5 * ma), 0.25 * 10 ** (0.5 * mb)
    p = (wa * 10 ** -0.3 + wb * 10 ** (-0.5 - 0.2)) / (wa + wb)
    assert lines[3] == word_line("</s>", "b", f"[2gram][1gram][post={wa / (wa + wb):.7g},{wb / (wa + wb):.7g}]",
                                 f32(math.log10(p)), False)


def test_context_priors(cli, tmp_path):
    # priors.txt: after "a" (0.2, 0.8), after "<s>" (0.9, 0.1); other contexts end at the root,
    # which has no line: SRILM 1.7.3 reads never-set weights there, which with two models give
    # the first all the weight (`post=1,0`, see mixture_lm.ContextPriors)
    lines = run(cli, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-bayes", "0", "-context-priors",
                      DATA / "priors.txt", "-ppl", TEXT, "-debug", "2"])
    p = 0.9 * 10 ** -0.2 + 0.1 * 10 ** (-0.6 - 0.25)
    assert lines[1] == word_line("a", "<s>", "[2gram][1gram][post=0.9,0.1]", f32(math.log10(p)), True)
    p = 0.2 * 10 ** -0.4 + 0.8 * 10 ** -0.25
    assert lines[2] == word_line("b", "a", "[2gram][2gram][post=0.2,0.8]", f32(math.log10(p)), False)
    assert lines[3] == word_line("</s>", "b", "[2gram][1gram][post=1,0]", f32(-0.3), False)
    # without -bayes: a static merge, each n-gram weighted by the priors of its context, and by
    # -lambda at the root (where SRILM's never-set weights, not normalised there, vary by run)
    out = tmp_path / "mixed.arpa"
    run(cli, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-context-priors", DATA / "priors.txt",
              "-write-lm", out])
    probs = bigram_probs(read_arpa(out))
    assert probs[("<s>", "a")] == pytest.approx(math.log10(0.9 * 10 ** -0.2 + 0.1 * 10 ** (-0.6 - 0.25)), abs=1e-6)
    assert probs[("a", "b")] == pytest.approx(math.log10(0.2 * 10 ** -0.4 + 0.8 * 10 ** -0.25), abs=1e-6)
    assert probs[("b", "a")] == pytest.approx(math.log10(0.75 * 10 ** (-0.5 - 0.1) + 0.25 * 10 ** -0.35), abs=1e-6)
    bad = tmp_path / "bad.txt"
    bad.write_text("a 0.5 0.5\nb\n")
    status, _, err = cli(ngram.main, ["-order", "2", "-lm", A, "-mix-lm", B, "-bayes", "0", "-context-priors", bad,
                                      "-ppl", TEXT])
    assert status != 0 and f"{bad}:2" in err and "2-dimensional" in err and len(err.strip().splitlines()) == 1


def loglinear_z(prev):
    """Z(prev) = sum over the events w of 10^(0.75 log pA(w|prev) + 0.25 log pB(w|prev))."""
    return sum(prob(loglinear_numerator(w, prev)) for w in EVENTS)


def test_loglinear_mix(cli):
    lines = run(cli, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-loglinear-mix", "-ppl", TEXT,
                      "-debug", "2"])
    z = loglinear_z("<s>")
    logp = f32(loglinear_numerator("a", "<s>") - f32(math.log10(z)))
    assert lines[1] == word_line("a", "<s>", f"[2gram][1gram][denom={z:.7g}]", logp, True)
    # the second sentence's context <s> was normalised before: the cached value
    assert lines[8] == word_line("b", "<s>", f"[1gram][2gram][cached={prob(f32(math.log10(z))):.7g}]",
                                 f32(loglinear_numerator("b", "<s>") - f32(math.log10(z))), True)
    # c: B gives it probability zero, a zeroprob
    za = prob(f32(math.log10(loglinear_z("a"))))
    assert lines[10] == word_line("c", "a", f"[1gram][OOV][cached={za:.7g}]", -INF, False)
    # d and <unk>: A stops the sum at -inf, so B's tag is not printed
    assert lines[16] == word_line("d", "<s>", f"[OOV][cached={prob(f32(math.log10(z))):.7g}]", -INF, True)
    assert lines[18] == word_line("<unk>", "a", f"[OOV][cached={za:.7g}]", -INF, False)
    # </s> after c: c has no backoff weight and is no n-gram's context, so SRILM's context trie
    # has no node for it: the context is the empty one, first seen here
    z0 = loglinear_z(None)
    assert lines[11] == word_line("</s>", "c", f"[1gram][1gram][denom={z0:.7g}]",
                                  f32(loglinear_numerator("</s>", None) - f32(math.log10(z0))), False)
    # </s> after <unk>: no model knows the context <unk> either, the empty one's Z is cached
    assert lines[19] == word_line("</s>", "<unk>", f"[1gram][1gram][cached={prob(f32(math.log10(z0))):.7g}]",
                                  f32(loglinear_numerator("</s>", None) - f32(math.log10(z0))), False)
    assert lines[13].startswith("1 zeroprobs") and lines[-2] == f"file {TEXT}: 3 sentences, 8 words, 1 OOVs"


def test_adapt_marginals(cli):
    # adapt.arpa: a -0.3, b -0.5, </s> -0.9, c -1.2; base marginals: a.arpa's unigrams;
    # log10 alpha(w) = beta (log pA(w) - log pB(w)), -inf where either is zero (here d)
    adapt = {"a": -0.3, "b": -0.5, "</s>": -0.9, "c": -1.2}
    alpha = {w: f32(0.5 * f32(f32(adapt[w]) - f32(A_UNI[w]))) if w in adapt and w in A_UNI else -INF for w in EVENTS}

    def z(prev):
        return sum(prob(f32(lp("A", w, prev) + alpha[w])) for w in EVENTS)

    lines = run(cli, ["-order", "2", "-lm", A, "-adapt-marginals", DATA / "adapt.arpa", "-adapt-marginals-beta", "0.5",
                      "-ppl", TEXT, "-debug", "2"])
    logp = f32(f32(lp("A", "a", "<s>") + alpha["a"]) - f32(math.log10(z("<s>"))))
    assert lines[1] == word_line("a", "<s>", f"[2gram][alpha={prob(alpha['a']):.7g}][denom={z('<s>'):.7g}]", logp, True)
    logp = f32(f32(lp("A", "b", "<s>") + alpha["b"]) - f32(math.log10(z("<s>"))))
    assert lines[8] == word_line("b", "<s>", f"[1gram][alpha={prob(alpha['b']):.7g}]"
                                 f"[cached={prob(f32(math.log10(z('<s>')))):.7g}]", logp, True)
    # ratios against b.arpa's unigrams as the base marginals: alpha / Z alone
    alpha = {w: f32(0.5 * f32(f32(adapt[w]) - f32(B_UNI[w]))) if w in adapt and w in B_UNI else -INF for w in EVENTS}
    lines = run(cli, ["-order", "2", "-lm", A, "-adapt-marginals", DATA / "adapt.arpa", "-base-marginals", B,
                      "-adapt-marginals-ratios", "-ppl", TEXT, "-debug", "2"])
    logp = f32(alpha["a"] - f32(math.log10(z("<s>"))))
    assert lines[1] == word_line("a", "<s>", f"[2gram][alpha={prob(alpha['a']):.7g}][denom={z('<s>'):.7g}]", logp, True)


def test_read_mix_lms_static_and_dynamic(cli, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{A} -order 2 -weight 3\n\n{B} -weight 1 -order 2\n")
    components, weights = read_mix_lms(listing)
    assert [(c.path, c.order) for c in components] == [(str(A), 2), (str(B), 2)] and weights == [0.75, 0.25]
    out = tmp_path / "mixed.arpa"
    run(cli, ["-order", "2", "-read-mix-lms", "-lm", listing, "-write-lm", out])
    mixed = read_arpa(out)
    probs = bigram_probs(mixed)
    # every n-gram of either model: 0.75 pA + 0.25 pB, backed off where a model lacks it
    assert probs[("a", "a")] == pytest.approx(math.log10(0.75 * 10 ** -0.5 + 0.25 * 10 ** (-0.6 - 0.3)), abs=1e-6)
    assert probs[("<s>", "b")] == pytest.approx(math.log10(0.75 * 10 ** (-0.7 - 0.3) + 0.25 * 10 ** -0.3), abs=1e-6)
    # the unigram mass left over goes evenly to the five events (recomputeBOWs: none has zero)
    left = 1 - sum(0.75 * prob(lp("A", w)) + 0.25 * prob(lp("B", w)) for w in EVENTS)
    assert probs[("d",)] == pytest.approx(math.log10(0.25 * 10 ** -0.8 + left / 5), abs=1e-6)
    # the API gives the same model
    direct = ngramkit.mix([read_arpa(A), read_arpa(B)], weights, all_at_once=True)
    assert np.allclose(direct.logprob[1], mixed.logprob[1], atol=1e-6)
    # with -bayes 1 the same mixture as -mix-lm gives, line for line, and -debug 0 its totals
    posterior = ["-order", "2", "-bayes", "1", "-ppl", TEXT, "-debug", "2"]
    listed = run(cli, ["-read-mix-lms", "-lm", listing] + posterior)
    assert listed == run(cli, ["-lm", A, "-mix-lm", B, "-lambda", "0.75"] + posterior)
    assert run(cli, ["-read-mix-lms", "-lm", listing] + posterior[:-2]) == listed[-2:]
    logs = [float(line.rsplit("[ ", 1)[1][:-2]) for line in listed if line.startswith("\tp(")]
    assert float(listed[-1].split("logprob= ")[1].split()[0]) == pytest.approx(
        sum(x for x in logs if x != -INF), abs=1e-5)
    # with -bayes 0 the same weights, word by word
    dynamic = run(cli, ["-order", "2", "-read-mix-lms", "-lm", listing, "-bayes", "0", "-ppl", TEXT, "-debug", "2"])
    p = 0.75 * 10 ** -0.2 + 0.25 * 10 ** (-0.6 - 0.25)
    assert dynamic[1] == word_line("a", "<s>", "[2gram][1gram]", f32(math.log10(p)), True)


def test_mix_all_three_models():
    # c a is a bigram of c.arpa alone: the others back off (A: c has no backoff weight; B lacks c)
    mixed = mix_all([read_arpa(A), read_arpa(B), read_arpa(DATA / "c.arpa")], [0.5, 0.3, 0.2])
    row = np.flatnonzero((mixed.ngrams[1] == [mixed.vocab.index["c"], mixed.vocab.index["a"]]).all(axis=1))
    expected = math.log10(0.5 * 10 ** -0.5 + 0.3 * 10 ** -0.6 + 0.2 * 10 ** -0.2)
    assert float(mixed.logprob[1][row[0]]) == pytest.approx(expected, abs=1e-6)


def test_read_mix_lms_bad_line(cli, tmp_path):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{A} -order 2\n{B} -weigth 1\n")
    with pytest.raises(FormatError) as caught:
        read_mix_lms(listing)
    assert caught.value.line == 2
    status, _, err = cli(ngram.main, ["-read-mix-lms", "-lm", listing, "-ppl", TEXT])
    assert status != 0 and f"{listing}:2" in err and len(err.strip().splitlines()) == 1


def test_word_by_word_mixtures_score_ppl_only(cli):
    status, _, err = cli(ngram.main, ["-lm", A, "-mix-lm", B, "-bayes", "1", "-write-lm", "-"])
    assert status != 0 and "only work with -ppl" in err
    status, _, err = cli(ngram.main, ["-lm", A, "-loglinear-mix", "-ppl", TEXT])
    assert status != 0 and "need -mix-lm" in err


DEBUG = Path(__file__).resolve().parent / "data" / "mixture_debug"
_DEBUG_RUNS = {
    "loglinear.2": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-loglinear-mix"],
    "loglinear.3": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-loglinear-mix"],
    "loglinear.4": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-loglinear-mix"],
    "ratios.3": ["-lm", "a.arpa.gz", "-adapt-marginals", "u.arpa.gz", "-base-marginals", "b.arpa.gz",
                 "-adapt-marginals-ratios"],
    "adapt.4": ["-lm", "a.arpa.gz", "-adapt-marginals", "u.arpa.gz", "-adapt-marginals-beta", "0.5"],
    "bayes2.3": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-bayes", "2"],
    "bayes0.4": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-bayes", "0"],
    # -skipoovs: the models are asked in the context cut to what the mixture uses, so a word
    # after <unk> keeps its probability unless the models hold <unk> as a context (ua, ub: then
    # every word's is zero, and so is the normaliser: SRILM's -nan); <unk> itself gets no tag
    "skip-loglinear-closed.3": ["-lm", "a.arpa.gz", "-mix-lm", "b.arpa.gz", "-lambda", "0.6", "-loglinear-mix",
                                "-skipoovs"],
    "skip-loglinear.2": ["-lm", "ua.arpa.gz", "-mix-lm", "ub.arpa.gz", "-lambda", "0.6", "-loglinear-mix",
                         "-skipoovs"],
    # the model is its own base marginals: its marginal of <unk> is skipped, its alpha zero
    "skip-adapt.4": ["-lm", "ua.arpa.gz", "-adapt-marginals", "uu.arpa.gz", "-skipoovs"],
}


@pytest.mark.parametrize("run_name", sorted(_DEBUG_RUNS))
def test_word_by_word_debug_lines_are_srilms(cli, run_name, monkeypatch):
    # SRILM 1.7.3's stdout (README): at -debug 2 a normaliser is cached for a context that SRILM's
    # context trie holds (an n-gram's context or one with a backoff weight, not every n-gram); at
    # 3 each context is summed before its word is scored, so every normaliser is cached, and
    # Bayes mixtures print their components' [probs=]; at 4 the rank lines
    monkeypatch.chdir(DEBUG)
    debug = run_name.split(".")[1]
    status, out, err = cli(ngram.main, _DEBUG_RUNS[run_name] + ["-ppl", "t.txt", "-debug", debug])
    assert status == 0, err
    assert out == (DEBUG / f"{run_name}.txt").read_text()
    # SRILM's reading lines, its warnings of <unk> in closed-vocabulary models, of sums off 1
    if (DEBUG / f"{run_name}.err").exists():
        assert err == (DEBUG / f"{run_name}.err").read_text()


def test_context_priors_debug_sums_are_srilms(cli):
    status, out, err = cli(ngram.main, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.75", "-bayes", "0",
                                        "-context-priors", DATA / "all_priors.txt", "-ppl", TEXT, "-debug", "3"])
    assert status == 0, err
    assert out == (DEBUG / "priors.3.txt").read_text().replace("../mixture/t.txt", str(TEXT))


def test_closed_vocabulary_model_with_unk_is_warned_of(cli, monkeypatch):
    # SRILM 1.7.3, `ngram -lm ua.arpa -ppl t.txt [-map-unk the | -unk]`: the first n-gram predicting
    # the unknown word with a probability, in a model read without -unk, at every -debug level
    monkeypatch.chdir(DEBUG)
    for extra, err in (([], "ua.arpa.gz: line 10: warning: non-zero probability for <unk> in closed-vocabulary LM\n"),
                       (["-map-unk", "the"],
                        "ua.arpa.gz: line 196: warning: non-zero probability for the in closed-vocabulary LM\n"),
                       (["-unk"], ""), (["-write-lm", "-"], "ua.arpa.gz: line 10: warning: non-zero probability for "
                                                           "<unk> in closed-vocabulary LM\n")):
        argv = ["-lm", "ua.arpa.gz"] + (extra if extra[:1] == ["-write-lm"] else ["-ppl", "t.txt"] + extra)
        status, _, got = cli(ngram.main, argv)
        assert status == 0 and got == err, extra


def test_limit_vocab_reading_lines_are_srilms(cli, monkeypatch):
    # SRILM 1.7.3, `ngram -lm a.arpa.gz -vocab v100.txt -limit-vocab -ppl t.txt -debug 1`: each
    # order's n-grams left out for a word outside the vocabulary
    monkeypatch.chdir(DEBUG)
    status, _, err = cli(ngram.main, ["-lm", "a.arpa.gz", "-vocab", "v100.txt", "-limit-vocab", "-ppl", "t.txt",
                                      "-debug", "1"])
    assert status == 0 and err == (DEBUG / "limit-vocab.1.err").read_text()


def test_three_models_mix_keeps_log_zero(cli, tmp_path):
    # SRILM 1.7.3, `ngram -order 2 -lm a.arpa -mix-lm b.arpa -lambda 0.5 -mix-lm2 c.arpa
    # -mix-lambda2 0.2 -write-lm abc-mix.arpa`: the first merge's <s>, log 0 in memory, stays -99
    out = tmp_path / "mix.arpa"
    status, _, err = cli(ngram.main, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.5", "-mix-lm2",
                                      DATA / "c.arpa", "-mix-lambda2", "0.2", "-write-lm", out])
    assert status == 0, err
    assert out.read_bytes() == (DATA / "abc-mix.arpa").read_bytes()


def test_static_mix_gives_every_vocabulary_word_a_unigram(cli, tmp_path):
    # SRILM 1.7.3, `ngram -order 2 -lm a.arpa -mix-lm b.arpa -lambda 0.5 -unk -vocab
    # extra-vocab.txt -write-lm ab-unk-mix.arpa`: the merge's backoff weights give <unk> (a word
    # with -unk) and zzz, in no model, unigrams of probability zero
    out = tmp_path / "mix.arpa"
    status, _, err = cli(ngram.main, ["-order", "2", "-lm", A, "-mix-lm", B, "-lambda", "0.5", "-unk", "-vocab",
                                      DATA / "extra-vocab.txt", "-write-lm", out])
    assert status == 0, err
    assert out.read_bytes() == (DATA / "ab-unk-mix.arpa").read_bytes()
