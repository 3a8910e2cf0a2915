"""Make tests/data/kenlm/commands and tests/data/kenlm/query with KenLM's own programs
(../shared/anchors/kenlm/bin, git 4cb443e): what test_kenlm_commands.py compares with.

    python tests/make_kenlm_command_samples.py

commands/: ESPnet's and NeMo's training texts (400 lines of tests/data/reference/en/train.txt.gz;
ESPnet's with utterance ids in front, NeMo's subword one as NeMo encodes BPE ids: one character
chr(100 + id) per token) and the ARPA files KenLM's lmplz makes from them with the recipes' flags.
query/: KenLM's query output on tests/data/kenlm models (queries.txt, several flag sets) and on
tests/data/reference/en/kenlm/o3.arpa.gz (test.txt: per word for the first 300 sentences, per
sentence and the summary for all).
"""

import gzip
import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
KENLM = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "kenlm" / "bin"
COMMANDS = DATA / "kenlm" / "commands"
QUERY = DATA / "kenlm" / "query"
TRAIN_LINES = 400
WORD_LEVEL_SENTENCES = 300

# (model file in tests/data/kenlm, query flags): the cases of query/expected.json
QUERY_MODELS = ["test.arpa", "test.probing", "test.trie", "test.q8b8a22.trie", "test_nounk.arpa",
                "test_nounk.probing", "test_nounk.q8b8.trie"]
QUERY_FLAGS = ["", "-n", "-v sentence -v summary", "-v 0", "-v 2", "-b -v word"]
QUERIES = ("looking on a little more loin\non a little more loin\nfoo bar baz\n\n"
           "  the  <s> </s> <unk> is\n\t<UNK> more\r\nlooking in the")


def training_lines():
    with gzip.open(DATA / "reference" / "en" / "train.txt.gz", "rt", encoding="utf-8") as f:
        return [next(f).rstrip("\n") for _ in range(TRAIN_LINES)]


def subword_encoded(lines):
    """NeMo's encoding of BPE ids for KenLM, with ids made from the words (a stand-in tokenizer
    of 96 tokens: each word's bytes summed)."""
    return [" ".join(chr(100 + sum(w.encode()) % 96) for w in line.split()) for line in lines]


def write_gzip(path, data):
    """gzip without a time stamp, so that remaking a file leaves it unchanged."""
    path.write_bytes(gzip.compress(data, mtime=0))


def lmplz(args, text):
    done = subprocess.run([str(KENLM / "lmplz"), *args], input=text.encode(), capture_output=True, check=True)
    return done.stdout


def main():
    COMMANDS.mkdir(parents=True, exist_ok=True)
    QUERY.mkdir(parents=True, exist_ok=True)
    lines = training_lines()
    (COMMANDS / "lm_train.txt").write_text("".join(f"utt{i:04d} {line}\n" for i, line in enumerate(lines)),
                                            encoding="utf-8")
    plain = "".join(line + "\n" for line in lines)
    write_gzip(COMMANDS / "espnet-3gram.arpa.gz", lmplz(["-S", "20%", "--discount_fallback", "-o", "3", "-"], plain))
    subword = "".join(line + "\n" for line in subword_encoded(lines))
    (COMMANDS / "nemo-subword.txt").write_text(subword, encoding="utf-8")
    write_gzip(COMMANDS / "nemo-subword-4gram.arpa.gz",
               lmplz(["-S", "1G", "-o", "4", "--discount_fallback", "--prune", "0"], subword))

    (QUERY / "queries.txt").write_text(QUERIES, encoding="utf-8")
    expected = {}
    for model in QUERY_MODELS:
        for flags in QUERY_FLAGS:
            done = subprocess.run([str(KENLM / "query"), *flags.split(), str(DATA / "kenlm" / model)],
                                  input=QUERIES.encode(), capture_output=True, check=True)
            expected[f"{model}|{flags}"] = done.stdout.decode("utf-8")
    (QUERY / "expected.json").write_text(json.dumps(expected, indent=0, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    with gzip.open(DATA / "reference" / "en" / "test.txt.gz", "rb") as f:
        test = f.read()
    o3 = str(DATA / "reference" / "en" / "kenlm" / "o3.arpa.gz")
    head = b"".join(test.splitlines(keepends=True)[:WORD_LEVEL_SENTENCES])
    for name, flags, text in (("o3-head.query.txt.gz", [], head),
                              ("o3.sentence.query.txt.gz", ["-v", "sentence", "-v", "summary"], test)):
        done = subprocess.run([str(KENLM / "query"), *flags, o3], input=text, capture_output=True, check=True)
        write_gzip(QUERY / name, done.stdout)


if __name__ == "__main__":
    sys.exit(main())
