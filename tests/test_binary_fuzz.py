"""Damaged binary models: seeded bit flips, zeroed runs and truncations of small `.ngk` files
and KenLM binaries (tests/data/kenlm) never crash the reader and never score silently wrong.

Each damaged file is loaded and scored in a worker process, so that a segfault is seen (and
reported with the damage that caused it) rather than taking the test run down. Outcomes:

* a one-line NgramkitError naming the file: fine;
* the intact file's scores, exactly: fine (the damage hit padding, or bytes no score reads);
* other scores: a KenLM binary has no checksum, so a flipped probability bit reads as another
  probability in KenLM too. Such a file must then score exactly as the kenlm module scores it
  (KenLM's reading of the same bytes, run in its own worker). An `.ngk` file holds checksums
  of its arrays: loading verifies all but the n-gram tables ("entries"), so other scores are
  allowed only for damage there, and with `verify=True` not at all. Files without checksums
  (written by an older ngramkit) are fuzzed too: they must never crash either;
* anything else (a crash, a traceback, an error not naming the file): a failure.
"""

import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA
from test_binary import without_checksums

import ngramkit
from ngramkit.binary import _PREFIX

KENLM_FILES = sorted(p.name for p in (DATA / "kenlm").iterdir() if p.suffix in (".probing", ".trie"))
SEED = 20261201
FLIPS, ZEROED, TRUNCATIONS = 60, 10, 12
TESTS = Path(__file__).parent

# The worker: reads (case id, path) lines on stdin, answers one JSON line per case.
WORKER = r"""
import json, sys, traceback
reader = sys.argv[1]
sentences = json.loads(sys.argv[2])
if reader == "kenlm":
    import kenlm
    def scores(path):
        model = kenlm.Model(path)
        return [[p for p, _, _ in model.full_scores(s)] for s in sentences]
    errors = (Exception,)
else:
    import ngramkit
    from ngramkit.errors import NgramkitError
    def scores(path):
        model = ngramkit.Model(path, verify=reader == "ngramkit-verify")
        full = [[float(p) for p, _, _ in model.full_scores(s)] for s in sentences]
        # the batch path reads the same tables through another kernel
        batch = [float(x) for x in model.score_batch(sentences)]
        return full + [batch]
    errors = (NgramkitError,)
print("ready", flush=True)
for line in sys.stdin:
    case, path = line.rstrip("\n").split("\t")
    try:
        answer = {"scores": scores(path)}
    except errors as exc:
        text = str(exc)
        answer = {"error": text, "lines": len(text.splitlines())}
    except BaseException:
        answer = {"traceback": traceback.format_exc()}
    print(json.dumps({"case": case, **answer}), flush=True)
"""


def sentences():
    """Sentences over test.arpa's words that reach every order, plus unknown words."""
    words = [w for w in ngramkit.Model(DATA / "kenlm" / "test.arpa").vocab.words if w not in ("<s>", "</s>")]
    rng = random.Random(SEED)
    made = ["looking on a little more loin", "on a little more loin", "foo bar baz", "the <unk> is",
            "looking in the", "zzz unknown words", ""]
    made += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 12))) for _ in range(40)]
    return made


def run_cases(reader, cases, sentences):
    """{case id: answer} from worker processes; a worker that dies is reported for its case
    ({"crash": returncode}) and a new one takes the remaining cases."""
    answers = {}
    pending = list(cases)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS.parent), os.environ.get("PYTHONPATH", "")]))
    while pending:
        # the cases come from a file: a pipe both ways could fill up in both directions
        with tempfile.TemporaryFile("w+") as cases_file:
            cases_file.write("".join(f"{case}\t{path}\n" for case, path in pending))
            cases_file.seek(0)
            worker = subprocess.run([sys.executable, "-c", WORKER, reader, json.dumps(sentences)],
                                    stdin=cases_file, capture_output=True, text=True, env=env)
        lines = worker.stdout.splitlines()
        assert lines and lines[0] == "ready", worker.stderr
        for line in lines[1:]:
            answer = json.loads(line)
            answers[answer.pop("case")] = answer
        status = worker.returncode
        done = [case for case, _ in pending if case in answers]
        rest = [(case, path) for case, path in pending if case not in answers]
        if rest:
            # the first unanswered case killed the worker
            answers[rest[0][0]] = {"crash": status}
            rest = rest[1:]
        elif status != 0:
            raise AssertionError(f"{reader} worker exited with {status} after {len(done)} cases")
        pending = rest
    return answers


def damages(size, rng, span=None, cuts=True):
    """Seeded damages of a file of `size` bytes: (name, kind, offset, extra). Flips and zeroed
    runs lie in `span` (lo, hi), by default anywhere."""
    lo, hi = span or (0, size)
    made = []
    for _ in range(FLIPS):
        offset = rng.randrange(lo, hi)
        made.append((f"flip{offset}.{len(made)}", "flip", offset, 1 << rng.randrange(8)))
    for _ in range(ZEROED):
        offset = rng.randrange(lo, hi)
        made.append((f"zero{offset}.{len(made)}", "zero", offset, min(rng.randint(1, 64), hi - offset)))
    # cuts at the end, in the header, and anywhere
    for offset in [size - 1, size - 8, 0, 4, 60] + [rng.randrange(size) for _ in range(TRUNCATIONS - 5)]:
        if cuts and 0 <= offset < size:
            made.append((f"cut{offset}.{len(made)}", "cut", offset, 0))
    return made


def damaged_copy(data, kind, offset, extra):
    data = bytearray(data)
    if kind == "flip":
        data[offset] ^= extra
    elif kind == "zero":
        data[offset:offset + extra] = bytes(min(extra, len(data) - offset))
    else:
        del data[offset:]
    return bytes(data)


@pytest.fixture(scope="module")
def checked_files(tmp_path_factory):
    """Small .ngk files, with the checksums of their arrays."""
    folder = tmp_path_factory.mktemp("ngk")
    made = []
    for name in ("test.arpa", "test_nounk.arpa"):
        target = folder / (Path(name).stem + ".ngk")
        ngramkit.save(ngramkit.load(DATA / "kenlm" / name), target)
        made.append(target)
    return made


@pytest.fixture(scope="module")
def ngk_files(checked_files):
    """The small .ngk files, and copies without checksums (as an older ngramkit wrote them)."""
    made = list(checked_files)
    for path in checked_files:
        target = path.with_name(f"older-{path.name}")
        target.write_bytes(without_checksums(path.read_bytes()))
        made.append(target)
    return made


def fuzz(files, tmp_path, reader_check, span=None, cuts=True, reader="ngramkit"):
    """Damage each file (flips and zeroed runs in span(path), by default anywhere), score the
    damaged copies with `reader`; returns the failures (reader_check judges the cases that
    score otherwise than the intact file)."""
    rng = random.Random(SEED)
    sents = sentences()
    cases, details, intact = [], {}, {}
    for source in files:
        data = Path(source).read_bytes()
        intact_path = tmp_path / f"intact-{Path(source).name}"
        shutil.copy(source, intact_path)
        cases.append((f"intact:{Path(source).name}", str(intact_path)))
        for name, kind, offset, extra in damages(len(data), rng, span and span(source), cuts):
            case = f"{Path(source).name}:{name}"
            target = tmp_path / case.replace(":", "-")
            target.write_bytes(damaged_copy(data, kind, offset, extra))
            cases.append((case, str(target)))
            details[case] = (Path(source).name, kind, offset, extra, str(target))
    answers = run_cases(reader, cases, sents)
    for source in files:
        answer = answers[f"intact:{Path(source).name}"]
        assert "scores" in answer, answer
        intact[Path(source).name] = answer["scores"]
    failures, tally = [], {"error": 0, "same": 0, "different": 0}
    different = {}
    for case, (source, kind, offset, extra, target) in details.items():
        answer = answers[case]
        if "crash" in answer or "traceback" in answer:
            failures.append(f"{case}: {answer}")
        elif "error" in answer:
            tally["error"] += 1
            if answer["lines"] != 1 or target not in answer["error"]:
                failures.append(f"{case}: error not one line naming the file: {answer['error']!r}")
        elif answer["scores"] == intact[source]:
            tally["same"] += 1
        else:
            tally["different"] += 1
            different[case] = (answer["scores"], source, kind, offset, extra, target)
    failures += reader_check(different)
    print(f"{len(details)} damaged files: {tally}")
    return failures


def test_damaged_kenlm_binaries(tmp_path):
    pytest.importorskip("kenlm")

    def like_kenlm(different):
        answers = run_cases("kenlm", [(case, row[5]) for case, row in different.items()], sentences())
        wrong = []
        for case, (scores, *_rest) in different.items():
            theirs = answers[case]
            if "scores" not in theirs:
                continue  # KenLM cannot read it: nothing to compare, but ours must not disagree with intact
            ours = [[float(np.float32(p)) for p in row] for row in scores[:-1]]
            if ours != [[float(np.float32(p)) for p in row] for row in theirs["scores"]]:
                wrong.append(f"{case}: scores differ from the intact file's and from kenlm's")
        unreadable = [case for case in different if "scores" not in answers[case]]
        wrong += [f"{case}: scores differ from the intact file's, and kenlm cannot read it ({answers[case]})"
                  for case in unreadable]
        return wrong

    failures = fuzz([DATA / "kenlm" / name for name in KENLM_FILES], tmp_path, like_kenlm)
    assert not failures, "\n".join(failures[:30])


def ngk_header_end(path):
    """Where an .ngk file's first array starts: the bytes before it are its prefix and header."""
    raw = Path(path).read_bytes()
    _, _, header_len, _ = _PREFIX.unpack_from(raw)
    return json.loads(raw[_PREFIX.size:_PREFIX.size + header_len])["arrays"][0][3]


def ngk_array_span(path, names):
    """The byte span of the named consecutive arrays of an .ngk file."""
    raw = Path(path).read_bytes()
    _, _, header_len, _ = _PREFIX.unpack_from(raw)
    arrays = {name: (offset, offset + int(np.prod(shape)) * np.dtype(dtype).itemsize)
              for name, dtype, shape, offset in json.loads(raw[_PREFIX.size:_PREFIX.size + header_len])["arrays"]}
    return arrays[names[0]][0], arrays[names[-1]][1]


# The arrays Model reads, in the order they lie in the file.
SCORER_ARRAYS = ["uni_logprob", "uni_backoff", "meta", "entries", "word_table", "word_pool", "word_offsets"]


def no_other_scores(different):
    return [f"{case}: scores differ from the intact file's" for case in different]


def test_damaged_ngk_headers(tmp_path, ngk_files):
    """Damage to the prefix and header of an .ngk file (and any truncation) is an error or harmless."""
    failures = fuzz(ngk_files, tmp_path, no_other_scores, span=lambda path: (0, ngk_header_end(path)))
    assert not failures, "\n".join(failures[:30])


def test_damaged_ngk_values(tmp_path, ngk_files):
    """Damage to the unigram value arrays never crashes; it changes scores only as values change."""
    failures = fuzz(ngk_files, tmp_path, lambda different: [], cuts=False,
                    span=lambda path: ngk_array_span(path, ["uni_logprob", "uni_backoff"]))
    assert not failures, "\n".join(failures[:30])


def test_damaged_ngk_tables_never_crash(tmp_path, ngk_files):
    """Damage to the tables (their layout, the n-gram and word hash tables), with checksums or
    without, is an error or scores without crashing."""
    failures = fuzz(ngk_files, tmp_path, lambda different: [], cuts=False,
                    span=lambda path: ngk_array_span(path, ["meta", "entries", "word_table"]))
    assert not failures, "\n".join(failures[:30])


def test_damaged_ngk_tables_score_as_intact_or_fail(tmp_path, checked_files):
    """Loading verifies every scorer array but the n-gram tables: damage elsewhere is an
    error or harmless; damage to the n-gram tables (a key, a value) may score otherwise."""
    spans = {path.name: ngk_array_span(path, ["entries"]) for path in checked_files}

    def only_in_entries(different):
        return [f"{case}: scores differ, and the damage ({kind} at {offset}) is not in the n-gram tables"
                for case, (_, source, kind, offset, extra, _) in different.items()
                if not spans[source][0] <= offset < spans[source][1]]

    failures = fuzz(checked_files, tmp_path, only_in_entries, cuts=False,
                    span=lambda path: ngk_array_span(path, SCORER_ARRAYS))
    assert not failures, "\n".join(failures[:30])


def test_verified_ngk_tables_score_as_intact_or_fail(tmp_path, checked_files):
    """With verify=True any damage to the scorer arrays is an error or harmless."""
    failures = fuzz(checked_files, tmp_path, no_other_scores, cuts=False, reader="ngramkit-verify",
                    span=lambda path: ngk_array_span(path, SCORER_ARRAYS))
    assert not failures, "\n".join(failures[:30])


def test_damage_helpers():
    assert damaged_copy(b"\x00\x01\x02", "flip", 1, 4) == b"\x00\x05\x02"
    assert damaged_copy(b"abcdef", "zero", 4, 9) == b"abcd\x00\x00"
    assert damaged_copy(b"abcdef", "cut", 2, 0) == b"ab"
    assert struct.calcsize("<16sIIQ") == _PREFIX.size
