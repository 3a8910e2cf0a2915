"""`query` takes the text's bytes as KenLM's query does, and refuses what KenLM refuses.

tests/data/kenlm/query/bytes.txt holds bytes that are not UTF-8, a byte-order mark in front of
a word, a NUL byte inside one and an unterminated last line; bytes.test.arpa.query and
bytes.test.trie.query are what KenLM's query (../shared/anchors/kenlm/bin, git 4cb443e) printed
for it on stdout:

    query tests/data/kenlm/test.arpa < tests/data/kenlm/query/bytes.txt > bytes.test.arpa.query
"""

import io
import re
import subprocess
from pathlib import Path

import pytest

from ngramkit.cli import query as query_cmd
from ngramkit.errors import FormatError
from ngramkit.kenlm_query import query

DATA = Path(__file__).parent / "data" / "kenlm"
QUERY = DATA / "query"
KENLM_QUERY = Path(__file__).resolve().parents[2] / "shared" / "anchors" / "kenlm" / "bin" / "query"


@pytest.mark.parametrize("model", ["test.arpa", "test.trie"])
@pytest.mark.parametrize("flags", ["", "-b"])
def test_bytes_are_words_as_in_kenlm(model, flags):
    options, path = query_cmd.parse_args(flags.split() + [str(DATA / model)])
    out = io.BytesIO()
    query(path, str(QUERY / "bytes.txt"), out=out, **options)
    assert out.getvalue() == (QUERY / f"bytes.{model}.query").read_bytes()


def _without(marker, tmp_path):
    """test.arpa without the n-grams holding `marker`, its counts made to agree."""
    sections = re.split(r"\n(?=\\)", (DATA / "test.arpa").read_text())
    kept = {}
    for section in sections:
        found = re.match(r"\\(\d)-grams:", section)
        if found:
            kept[found.group(1)] = [line for line in section.split("\n")[1:]
                                    if line.strip() and marker not in line.split("\t")[1].split(" ")]
    text = "\\data\\\n" + "".join(f"ngram {k}={len(v)}\n" for k, v in kept.items())
    text += "".join(f"\n\\{k}-grams:\n" + "\n".join(v) + "\n" for k, v in kept.items()) + "\n\\end\\\n"
    path = tmp_path / f"without-{marker.strip('<>/')}{'-end' if '/' in marker else ''}.arpa"
    path.write_text(text)
    return path


@pytest.mark.parametrize("marker", ["<s>", "</s>"])
def test_arpa_without_a_sentence_marker_is_refused(marker, tmp_path, cli):
    arpa = _without(marker, tmp_path)
    message = (f"The ARPA file is missing {marker} and the model is configured to reject these models.  "
               "Run build_binary -s to disable this check.")
    with pytest.raises(FormatError) as info:
        query(str(arpa), str(QUERY / "queries.txt"), out=io.BytesIO())
    assert str(info.value) == f"{arpa}: {message}"
    # KenLM's query returns 1 from the exception it catches
    status, _, err = cli(query_cmd.main, [arpa])
    assert status == 1 and err.splitlines()[-1] == f"query: {arpa}: {message}"
    if KENLM_QUERY.exists():
        theirs = subprocess.run([str(KENLM_QUERY), str(arpa)], input=b"a b\n", capture_output=True)
        assert theirs.returncode == 1 and message.encode() in theirs.stderr
