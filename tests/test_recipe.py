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

ROOT = Path(__file__).resolve().parents[1]


def test_recipe_on_sample_data(tmp_path):
    raw = tmp_path / "raw.txt"
    with gzip.open(ROOT / "data" / "zh" / "reviews-raw.txt.gz", "rt", encoding="utf-8") as f:
        raw.write_text("".join(line for _, line in zip(range(1500), f)), encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    proc = subprocess.run(["bash", str(ROOT / "tools" / "run.sh"), "--heldout", "300", "--prune", "1e-6",
                           str(raw), str(out)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"segmented text: {out}/train.txt (1200 lines), {out}/dev.txt (300 lines)" in proc.stdout
    for name in ("lm.arpa.gz", "lm.pruned.arpa.gz", "lang/G.fst", "lang/words.txt"):
        assert (out / name).is_file(), name

    # The perplexity the recipe printed is the one the scorer gives for the same text.
    dev = (out / "dev.txt").read_text(encoding="utf-8").splitlines()
    model = Model(out / "lm.arpa.gz")
    logprob = float(np.sum(model.score_batch(dev), dtype=np.float64))
    words = sum(len(line.split()) for line in dev)
    printed = (out / "lm.ppl.txt").read_text().splitlines()
    assert printed[0] == f"file {out}/dev.txt: 300 sentences, {words} words, 0 OOVs"
    match = re.match(r"0 zeroprobs, logprob= (\S+) ppl= (\S+) ppl1= (\S+)", printed[1])
    assert math.isclose(float(match.group(1)), logprob, rel_tol=1e-6)
    assert math.isclose(float(match.group(2)), 10 ** (-logprob / (words + len(dev))), rel_tol=1e-6)

    # Pruning made the model smaller; G.fst and words.txt are as Kaldi and k2 expect them.
    assert sum(Model(out / "lm.pruned.arpa.gz").sizes) < sum(model.sizes)
    table = dict(line.split() for line in (out / "lang" / "words.txt").read_text(encoding="utf-8").splitlines())
    assert table["<eps>"] == "0"
    assert int(table["#0"]) < int(table["<s>"]) and int(table["#0"]) < int(table["</s>"])
    fst = pynini.Fst.read(str(out / "lang" / "G.fst"))
    assert fst.start() != pynini.NO_STATE_ID and fst.num_states() > 1000
