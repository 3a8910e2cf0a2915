"""`ngram -rescore-ngram FILE` against SRILM 1.7.3: FILE's n-grams with the probabilities of the
model the other options make (-lm, a static -mix-lm mixture, -order), backoff weights
renormalised, written by -write-lm and scored by -ppl (tests/data/rescore_ngram/README.md)."""

import gzip
import zlib
from pathlib import Path

import pytest
from conftest import SHARED_REFERENCE
from test_estimate_srilm import largest_difference, sample_difference

import ngramkit
from ngramkit.arpa import read_arpa
from ngramkit.cli import ngram, ngram_count

DATA = Path(__file__).resolve().parent / "data"
OUT = DATA / "rescore_ngram"
A, B, C, TEXT = (DATA / "mixture" / name for name in ("a.arpa", "b.arpa", "c.arpa", "t.txt"))
CORPUS = SHARED_REFERENCE.parent / "corpora" / "en-small"
TOLERANCE = 1e-6


def totals(out):
    """The ppl totals without the file name."""
    first, second = out.splitlines()[-2:]
    return [first.split(": ", 1)[1], second]


@pytest.mark.parametrize("argv,reference,ppl", [
    (["-order", 2, "-lm", A, "-rescore-ngram", B], "a-rescores-b.arpa",
     ["3 sentences, 8 words, 2 OOVs", "0 zeroprobs, logprob= -5.291286 ppl= 3.871869 ppl1= 7.618701"]),
    (["-order", 1, "-lm", A, "-rescore-ngram", B], "a-rescores-b-order1.arpa",
     ["3 sentences, 8 words, 2 OOVs", "0 zeroprobs, logprob= -5.332537 ppl= 3.912949 ppl1= 7.740272"]),
    (["-order", 2, "-lm", A, "-mix-lm", C, "-lambda", 0.3, "-rescore-ngram", B], "ac-rescore-b.arpa",
     ["3 sentences, 8 words, 2 OOVs", "0 zeroprobs, logprob= -5.208336 ppl= 3.790566 ppl1= 7.379995"]),
    # an open vocabulary: the unigram mass left over is shared with <unk>, which gets a unigram
    (["-order", 2, "-unk", "-lm", B, "-rescore-ngram", A], "b-rescores-a-unk.arpa",
     ["3 sentences, 8 words, 0 OOVs", "0 zeroprobs, logprob= -7.945936 ppl= 5.276645 ppl1= 9.845597"]),
])
def test_small_models_match_srilm(cli, tmp_path, argv, reference, ppl):
    out = tmp_path / "rescored.arpa"
    status, stdout, err = cli(ngram.main, argv + ["-write-lm", out, "-ppl", TEXT])
    assert status == 0, err
    assert largest_difference(read_arpa(out), read_arpa(OUT / reference)) < TOLERANCE
    assert totals(stdout) == ppl


def test_write_vocab_holds_both_models_words(cli, tmp_path):
    # SRILM's -write-vocab writes the vocabulary of the rescoring model and of the rescored file
    out = tmp_path / "vocab.txt"
    status, _, err = cli(ngram.main, ["-lm", A, "-rescore-ngram", B, "-write-vocab", out])
    assert status == 0, err
    assert out.read_text().split() == ["-pau-", "</s>", "<s>", "<unk>", "a", "b", "c", "d"]


def test_api_rescores_in_place():
    model = read_arpa(B)
    rescored = ngramkit.rescore_ngrams(model, read_arpa(A).truncated(2))
    assert rescored is model
    assert largest_difference(rescored, read_arpa(OUT / "a-rescores-b.arpa")) < TOLERANCE


@pytest.mark.parametrize("extra,message", [
    (["-cache", 10, "-ppl", TEXT], "-rescore-ngram does not combine with -cache"),
    (["-multiwords", "-ppl", TEXT], "-rescore-ngram does not combine with -multiwords"),
    (["-mix-lm", C, "-bayes", 0, "-ppl", TEXT], "-rescore-ngram does not combine with -bayes"),
    (["-adapt-marginals", A, "-ppl", TEXT], "-rescore-ngram does not combine with -bayes, -loglinear-mix and "
                                            "-adapt-marginals"),
    (["-classes", DATA / "mixture" / "priors.txt", "-ppl", TEXT], "-rescore-ngram does not combine with -classes"),
    (["-map-unk", "b", "-ppl", TEXT], "-rescore-ngram does not combine with -map-unk"),
    (["-tagged", "-ppl", TEXT], "-tagged does not combine with -rescore-ngram"),
    (["-count-lm", "-ppl", TEXT], "-count-lm does not combine with -rescore-ngram"),
    (["-hidden-vocab", B, "-ppl", TEXT], "-hidden-vocab does not combine with -rescore-ngram"),
])
def test_refused_combinations(cli, extra, message):
    status, _, err = cli(ngram.main, ["-lm", A, "-rescore-ngram", B] + extra)
    assert status != 0
    lines = err.strip().splitlines()
    # -map-unk b: SRILM's warning of the closed-vocabulary model giving b a probability comes first
    assert message in lines[-1] and len(lines) == 1 + (extra[:2] == ["-map-unk", "b"])


def test_bad_rescore_file_names_file_and_line(cli, tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-0.6 </s>\nxyz <s>\n\n\\end\\\n")
    status, _, err = cli(ngram.main, ["-lm", A, "-rescore-ngram", bad, "-write-lm", tmp_path / "out.arpa"])
    assert status != 0
    assert err.strip() == f"ngram: {bad}:6: log probability is not a number"
    assert not (tmp_path / "out.arpa").exists()


def keep(word):
    return zlib.crc32(word.encode("utf-8")) % 64 == 0


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpora/en-small is absent")
@pytest.mark.parametrize("argv,sample,ppl", [
    (["-lm", "A.arpa", "-mix-lm", "B.arpa", "-lambda", 0.6, "-rescore-ngram", "A.arpa"], "en-mix-rescore",
     ["300 sentences, 6879 words, 176 OOVs", "0 zeroprobs, logprob= -16804.41 ppl= 250.9584 ppl1= 321.365"]),
    (["-lm", "B.arpa", "-order", 2, "-rescore-ngram", "A.arpa"], "en-order2-rescore",
     ["300 sentences, 6879 words, 176 OOVs", "10 zeroprobs, logprob= -17506.04 ppl= 318.6885 ppl1= 412.6431"]),
])
def test_corpus_models_match_srilm(cli, tmp_path, monkeypatch, argv, sample, ppl):
    # the models are ngram-count's of two slices of the corpus (SRILM-exact, see test_estimate_srilm)
    with gzip.open(CORPUS / "train.txt.gz", "rt", encoding="utf-8") as f:
        lines = [next(f) for _ in range(40000)]
    with gzip.open(CORPUS / "test.txt.gz", "rt", encoding="utf-8") as f:
        (tmp_path / "dev.txt").write_text("".join(next(f) for _ in range(300)))
    (tmp_path / "tr1.txt").write_text("".join(lines[:20000]))
    (tmp_path / "tr2.txt").write_text("".join(lines[20000:]))
    monkeypatch.chdir(tmp_path)
    for text, lm, method in (("tr1.txt", "A.arpa", ["-kndiscount", "-interpolate"]), ("tr2.txt", "B.arpa", ["-wbdiscount"])):
        status, _, err = cli(ngram_count.main, ["-order", 3, "-text", text, "-lm", lm] + method)
        assert status == 0, err
    status, stdout, err = cli(ngram.main, argv + ["-write-lm", "R.arpa", "-ppl", "dev.txt"])
    assert status == 0, err
    assert sample_difference(read_arpa("R.arpa"), OUT / f"{sample}.sample.arpa.gz", keep) < TOLERANCE
    assert totals(stdout) == ppl
