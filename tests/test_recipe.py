"""The recipe in tools/ runs end to end on the sample data, with consistent outputs."""

import gzip
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pynini

from ngramkit import Model
from ngramkit.normalize import NormalizeOptions, normalize_text

ROOT = Path(__file__).resolve().parents[1]


def sample(path, lines, tmp_path):
    raw = tmp_path / "raw.txt"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        raw.write_text("".join(line for _, line in zip(range(lines), f)), encoding="utf-8")
    return raw


def run_recipe(tmp_path, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", str(ROOT / "tools" / "run.sh"), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return proc


def check_printed_perplexity(out, sentences):
    """The perplexity the recipe printed is the one the scorer gives for the same text."""
    dev = (out / "dev.txt").read_text(encoding="utf-8").splitlines()
    model = Model(out / "lm.arpa.gz")
    logprob = float(np.sum(model.score_batch(dev), dtype=np.float64))
    words = sum(len(line.split()) for line in dev)
    printed = (out / "lm.ppl.txt").read_text().splitlines()
    assert printed[0] == f"file {out}/dev.txt: {sentences} sentences, {words} words, 0 OOVs"
    match = re.match(r"0 zeroprobs, logprob= (\S+) ppl= (\S+) ppl1= (\S+)", printed[1])
    assert math.isclose(float(match.group(1)), logprob, rel_tol=1e-6)
    assert math.isclose(float(match.group(2)), 10 ** (-logprob / (words + len(dev))), rel_tol=1e-6)
    return model


def test_recipe_on_sample_data(tmp_path):
    raw = sample(ROOT / "data" / "zh" / "reviews-raw.txt.gz", 1500, tmp_path)
    out = tmp_path / "out"
    proc = run_recipe(tmp_path, "--heldout", "300", "--prune", "1e-6", raw, out)
    assert f"segmented text: {out}/train.txt (1200 lines), {out}/dev.txt (300 lines)" in proc.stdout
    for name in ("lm.arpa.gz", "lm.pruned.arpa.gz", "lang/G.fst", "lang/words.txt"):
        assert (out / name).is_file(), name

    model = check_printed_perplexity(out, 300)

    # Pruning made the model smaller; G.fst and words.txt are as Kaldi and k2 expect them.
    assert sum(Model(out / "lm.pruned.arpa.gz").sizes) < sum(model.sizes)
    table = dict(line.split() for line in (out / "lang" / "words.txt").read_text(encoding="utf-8").splitlines())
    assert table["<eps>"] == "0"
    assert int(table["#0"]) < int(table["<s>"]) and int(table["#0"]) < int(table["</s>"])
    fst = pynini.Fst.read(str(out / "lang" / "G.fst"))
    assert fst.start() != pynini.NO_STATE_ID and fst.num_states() > 1000

    # The report shows the held-out perplexity that `ngram -ppl` printed, for both models.
    assert f"report: {out}/report.html" in proc.stdout
    report = (out / "report.html").read_text(encoding="utf-8")
    for ppl_file in ("lm.ppl.txt", "lm.pruned.ppl.txt"):
        ppl = re.search(r" ppl= (\S+)", (out / ppl_file).read_text()).group(1)
        assert ppl in report, ppl_file


def test_english_recipe_holds_out_whole_sentences(tmp_path):
    raw = sample(ROOT / "data" / "en" / "moby-dick-raw.txt.gz", 100, tmp_path)
    sentences = normalize_text(raw.read_text(encoding="utf-8"),
                               NormalizeOptions(en_numbers=True, split_sentences=True, remove_urls=True))
    sentences = sentences.splitlines()
    out = tmp_path / "out"
    proc = run_recipe(tmp_path, "--lang", "en", "--heldout", "100", "--stop-stage", "3", raw, out)
    assert (f"normalised text: {out}/train.txt ({len(sentences) - 100} sentences), "
            f"{out}/dev.txt (100 sentences)") in proc.stdout
    assert (out / "dev.txt").read_text(encoding="utf-8").splitlines() == sentences[-100:]
    assert sentences[:3] == ["chapter one", "loomings", "call me ishmael"]
    check_printed_perplexity(out, 100)


def test_mixed_text_preparation(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text("我用GPU训练了3个模型，iPhone12很好\n\n", encoding="utf-8")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", str(ROOT / "tools" / "prepare_text.sh"), "--lang", "mixed", "--acronyms",
                           "letters", str(raw), str(tmp_path / "out.txt")], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "我用 g p u 训练 了 三个 模型 iphone twelve 很 好\n\n"
    proc = subprocess.run(["bash", str(ROOT / "tools" / "run.sh"), "--lang", "fr", str(raw), str(tmp_path / "x")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "--lang must be zh, en or mixed, not 'fr'" in proc.stderr
