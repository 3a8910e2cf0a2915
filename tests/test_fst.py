"""arpa2fst against Kaldi's (kaldilm's) G.

tests/data/reference/en/fst/ holds ../shared/reference/en/fst/ (tiny.G.cmd.txt says
how it was made): kaldilm's text FSTs of tiny.arpa with and without #0, gzipped.
"""

import gzip
import shutil
import subprocess

import numpy as np
import pynini
import pytest
import pywrapfst
from conftest import REFERENCE, SHARED_REFERENCE, needs_shared

from ngramkit.arpa import read_arpa, write_arpa
from ngramkit.cli.arpa2fst import main as arpa2fst_main
from ngramkit.fst import (
    MISPLACED,
    NO_HISTORY,
    OUTSIDE_TABLE,
    SymbolTable,
    arpa_to_fst,
    compile_grammar,
)

FST_DATA = REFERENCE / "en" / "fst"
TINY = FST_DATA / "tiny.arpa.gz"
WORDS = FST_DATA / "words.txt"

# Every skip reason and a highest-order n-gram whose suffix is no state ("<s> a c":
# Kaldi makes a state for "a c"). With words.txt below, "zz" is outside the table.
EDGE_ARPA = """
\\data\\
ngram 1=6
ngram 2=7
ngram 3=8

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-0.8\ta\t-0.3
-0.9\tb\t-0.2
-1.2\tc
-1.5\tzz\t-0.1

\\2-grams:
-0.3\t<s> a\t-0.1
-0.4\ta b\t-0.2
-0.5\tb c
-0.6\ta </s>
-0.7\tb <s>
-0.2\tc a\t-0.1
-0.3\tzz a\t-0.1

\\3-grams:
-0.1\t<s> a b
-0.2\ta b c
-0.3\tc a b
-0.4\tb c a
-0.5\tzz a b
-0.6\ta c b
-0.25\t<s> a c
-0.35\tc a </s>

\\end\\
"""
EDGE_WORDS = "<eps> 0\na 1\nb 2\nc 3\n#0 4\n<s> 5\n</s> 6\n"


def compile_text(text):
    compiler = pywrapfst.Compiler()
    compiler.write(text)
    return pynini.Fst.from_pywrapfst(compiler.compile())


def reference_fst(name):
    with gzip.open(FST_DATA / f"tiny.G.{name}.txt.gz", "rt") as f:
        return compile_text(f.read())


def tiny_grammar(disambig):
    return compile_grammar(read_arpa(TINY), SymbolTable.read(WORDS), disambig)


@pytest.mark.parametrize("disambig, name, states, arcs, finals", [
    ("#0", "disambig", 8465, 23952, 559),
    (None, "plain", 8467, 24512, 1),
])
def test_same_machine_as_kaldi_on_reference(disambig, name, states, arcs, finals):
    grammar = tiny_grammar(disambig)
    assert (grammar.num_states, grammar.num_arcs, int(np.isfinite(grammar.final).sum())) == (states, arcs, finals)
    assert grammar.skip_counts() == {}
    assert pynini.isomorphic(grammar.to_fst(), reference_fst(name), delta=1e-4)


def test_unsorted_output_is_the_same_machine(tmp_path, cli):
    out = tmp_path / "G.fst"
    status, _, err = cli(arpa2fst_main, ["--disambig-symbol=#0", f"--read-symbol-table={WORDS}",
                                         "--ilabel-sort=false", TINY, out])
    assert status == 0, err
    fst = pynini.Fst.read(str(out))
    assert fst.properties(pynini.I_LABEL_SORTED, True) != pynini.I_LABEL_SORTED
    assert pynini.isomorphic(fst, reference_fst("disambig"), delta=1e-4)


def test_any_symbol_table_order_gives_sorted_states_and_the_same_machine(tmp_path):
    # Labels in reverse byte order: every state's arcs come out of order and need sorting.
    words = SymbolTable.read(WORDS)
    top = max(words.ids.values())
    reversed_table = SymbolTable({w: (top + 1 - label if label else 0) for w, label in words.ids.items()})
    grammar = compile_grammar(read_arpa(TINY), reversed_table, "#0")
    for s in range(grammar.num_states):
        assert (np.diff(grammar.arcs[grammar.arc_start[s]:grammar.arc_start[s + 1], 0]) > 0).all()
    fst = grammar.to_fst()
    pairs = [(top + 1 - label, label) for label in range(1, top + 1)]
    fst.relabel_pairs(ipairs=pairs, opairs=pairs)
    assert pynini.isomorphic(fst, reference_fst("disambig"), delta=1e-4)


def test_backoff_arcs_and_sentence_ends_are_labelled_as_kaldi():
    symbols = SymbolTable.read(WORDS)
    disambig = compile_grammar(read_arpa(TINY), symbols, "#0")
    ilabels, olabels = disambig.arcs[:, 0], disambig.arcs[:, 1]
    assert ((ilabels == symbols.ids["#0"]) == (olabels == 0)).all()
    assert not np.isin(ilabels, [symbols.ids["<s>"], symbols.ids["</s>"]]).any()
    plain = compile_grammar(read_arpa(TINY), symbols, None)
    assert (plain.arcs[:, 0] == symbols.ids["<s>"]).sum() == 1
    assert (plain.arcs[:, 0] == symbols.ids["</s>"]).sum() == np.isfinite(disambig.final).sum()
    assert not (plain.arcs[:, 0] == symbols.ids["#0"]).any()


def test_weights_are_negated_natural_logs():
    # a's unigram: -1.923549 (log10), backoff -0.07278474; 0 -> a and a -> 0.
    grammar = tiny_grammar("#0")
    a = grammar.symbols.ids["a"]
    arcs0 = grammar.arcs[grammar.arc_start[0]:grammar.arc_start[1]]
    to_a = arcs0[arcs0[:, 0] == a][0]
    assert to_a[2:3].view(np.float32)[0] == pytest.approx(1.923549 * np.log(10), abs=1e-5)
    state_a = to_a[3]
    arcs_a = grammar.arcs[grammar.arc_start[state_a]:grammar.arc_start[state_a + 1]]
    backoff = arcs_a[arcs_a[:, 0] == grammar.symbols.ids["#0"]][0]
    assert backoff[1] == 0 and backoff[3] == 0
    assert backoff[2:3].view(np.float32)[0] == pytest.approx(0.07278474 * np.log(10), abs=1e-5)


def test_written_symbol_table_is_kaldis_and_labels_agree(tmp_path, cli):
    out, table = tmp_path / "G.fst", tmp_path / "words.txt"
    status, _, err = cli(arpa2fst_main, ["--disambig-symbol=#0", f"--write-symbol-table={table}", TINY, out])
    assert status == 0, err
    # <eps> 0, the words in byte order, then #0 below <s> and </s>: the reference words.txt.
    assert table.read_text() == WORDS.read_text()
    assert pynini.isomorphic(pynini.Fst.read(str(out)), reference_fst("disambig"), delta=1e-4)


def test_text_output_always_has_weights_and_compiles_to_the_reference(tmp_path, cli):
    out = tmp_path / "G.txt"
    status, _, err = cli(arpa2fst_main, [f"--read-symbol-table={WORDS}", "--text", TINY, out])
    assert status == 0, err
    lines = out.read_text().splitlines()
    assert {len(line.split("\t")) for line in lines} == {2, 5}
    assert pynini.isomorphic(compile_text(out.read_text()), reference_fst("plain"), delta=1e-4)


def test_keep_symbols_and_python_function():
    fst = arpa_to_fst(TINY, disambig_symbol="#0")
    assert isinstance(fst, pynini.Fst)
    # No table read: the made one rides along, as Kaldi does.
    assert fst.input_symbols().find("#0") == 2329 and fst.output_symbols().find("</s>") == 2331
    assert pynini.isomorphic(fst, reference_fst("disambig"), delta=1e-4)
    assert arpa_to_fst(TINY, "#0", WORDS).input_symbols() is None


@pytest.mark.skipif(shutil.which("fstinfo") is None, reason="OpenFst tools (libfst-tools) absent")
@pytest.mark.parametrize("flags, name", [(["--disambig-symbol=#0"], "disambig"), ([], "plain")])
def test_fstinfo_accepts_output(tmp_path, cli, flags, name):
    binary, text = tmp_path / "G.fst", tmp_path / "G.txt"
    for out, extra in ((binary, []), (text, ["--text"])):
        status, _, err = cli(arpa2fst_main, flags + extra + [f"--read-symbol-table={WORDS}", TINY, out])
        assert status == 0, err
    info = subprocess.run(["fstinfo", binary], capture_output=True, text=True, check=True).stdout
    reference = (FST_DATA / f"tiny.G.{name}.fstinfo.txt").read_text()
    wanted = [line for line in reference.splitlines() if line.startswith(("# of states", "# of arcs",
                                                                          "# of final", "input label sorted"))]
    assert all(line in info.splitlines() for line in wanted)
    # fstcompile renumbers states in order of appearance, as for the reference.
    compiled = subprocess.run(["fstcompile", text], capture_output=True, check=True).stdout
    info = subprocess.run(["fstinfo"], input=compiled, capture_output=True, check=True).stdout.decode()
    assert info == reference


def test_edge_cases_skipped_and_new_suffix_state(tmp_path):
    arpa, words = tmp_path / "edge.arpa", tmp_path / "words.txt"
    arpa.write_text(EDGE_ARPA)
    words.write_text(EDGE_WORDS)
    grammar = compile_grammar(read_arpa(arpa), SymbolTable.read(words), "#0")
    assert grammar.skip_counts() == {OUTSIDE_TABLE: 3, MISPLACED: 1, NO_HISTORY: 1}
    # States: empty history; <s> a b c; <s>-a a-b b-c c-a; and a-c for "<s> a c".
    assert grammar.num_states == 10
    open_grammar = compile_grammar(read_arpa(arpa), None, "#0")
    assert open_grammar.skip_counts() == {MISPLACED: 1, NO_HISTORY: 1}
    assert open_grammar.num_states == 12


def test_skipped_ngrams_are_named_and_counted(tmp_path, cli):
    arpa, words = tmp_path / "edge.arpa", tmp_path / "words.txt"
    arpa.write_text(EDGE_ARPA)
    words.write_text(EDGE_WORDS)
    status, _, err = cli(arpa2fst_main, ["--max-arpa-warnings=2", f"--read-symbol-table={words}", arpa,
                                         tmp_path / "G.fst"])
    assert status == 0
    assert err.splitlines() == [
        f"arpa2fst: warning: {arpa}: skipped n-gram 'zz' with a word outside the symbol table",
        f"arpa2fst: warning: {arpa}: skipped n-gram 'b <s>' with <s> not first or </s> not last",
        f"arpa2fst: warning: {arpa}: skipped 5 n-grams: 3 with a word outside the symbol table, "
        "1 with <s> not first or </s> not last, 1 with a history (n-1)-gram that is absent or skipped",
    ]


def _kaldilm_fst(kaldilm, arpa, tmp_path, disambig, words=None):
    out = tmp_path / "kaldilm.fst"
    kaldilm.arpa2fst(input_arpa=str(arpa), output_fst=str(out), disambig_symbol=disambig or "",
                     read_symbol_table=str(words) if words else "", max_arpa_warnings=0)
    return pynini.Fst.read(str(out))


@pytest.mark.parametrize("disambig", ["#0", None])
def test_edge_cases_as_kaldilm(tmp_path, disambig):
    kaldilm = pytest.importorskip("kaldilm")
    arpa, words = tmp_path / "edge.arpa", tmp_path / "words.txt"
    arpa.write_text(EDGE_ARPA)
    words.write_text(EDGE_WORDS)
    ours = compile_grammar(read_arpa(arpa), SymbolTable.read(words), disambig).to_fst()
    assert pynini.isomorphic(ours, _kaldilm_fst(kaldilm, arpa, tmp_path, disambig, words), delta=1e-4)


def test_max_order_as_kaldilm_on_the_truncated_model(tmp_path):
    kaldilm = pytest.importorskip("kaldilm")
    bigram = tmp_path / "tiny2.arpa"
    write_arpa(read_arpa(TINY).truncated(2), bigram)
    ours = arpa_to_fst(TINY, "#0", WORDS, max_order=2)
    assert ours.num_states() == 2330  # empty history and every 1-gram but </s>
    assert pynini.isomorphic(ours, _kaldilm_fst(kaldilm, bigram, tmp_path, "#0", WORDS), delta=1e-4)


def _sentence_costs(fst, symbols, sentences, disambig):
    """Shortest-path cost of each sentence through G (backoff arcs read as epsilon)."""
    g = fst.copy()
    g.relabel_pairs(ipairs=[(disambig, 0)])
    g.arcsort("ilabel")
    costs = []
    for words in sentences:
        sentence = pynini.Fst()
        state = sentence.add_state()
        sentence.set_start(state)
        for word in words:
            nxt = sentence.add_state()
            label = symbols.ids[word]
            sentence.add_arc(state, pynini.Arc(label, label, 0, nxt))
            state = nxt
        sentence.set_final(state)
        lattice = pynini.compose(sentence, g)
        costs.append(float(pynini.shortestdistance(lattice, reverse=True)[lattice.start()]))
    return np.array(costs)


@pytest.mark.parametrize("arpa", [
    REFERENCE / "en" / "srilm" / "mkn3.arpa.gz",
    pytest.param(SHARED_REFERENCE / "en" / "kenlm" / "o5.arpa.gz", marks=needs_shared),
])
def test_as_kaldilm_on_real_models(tmp_path, arpa):
    kaldilm = pytest.importorskip("kaldilm")
    plain = tmp_path / "model.arpa"
    with gzip.open(arpa, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    grammar = compile_grammar(read_arpa(plain), None, "#0")
    table = tmp_path / "words.txt"
    grammar.symbols.write(table)
    theirs = _kaldilm_fst(kaldilm, plain, tmp_path, "#0", table)
    ours = grammar.to_fst()
    assert ours.num_states() == theirs.num_states()
    assert grammar.num_arcs == sum(theirs.num_arcs(s) for s in theirs.states())
    unk = "<unk>" if "<unk>" in grammar.symbols.ids else None
    sentences = []
    with gzip.open(REFERENCE / "en" / "test.txt.gz", "rt") as f:
        for line in f:
            words = [w if w in grammar.symbols.ids else unk for w in line.split()]
            if words and None not in words:
                sentences.append(words)
            if len(sentences) == 100:
                break
    disambig = grammar.symbols.ids["#0"]
    ours_cost = _sentence_costs(ours, grammar.symbols, sentences, disambig)
    theirs_cost = _sentence_costs(theirs, grammar.symbols, sentences, disambig)
    assert len(sentences) == 100 and np.isfinite(ours_cost).all()
    np.testing.assert_allclose(ours_cost, theirs_cost, rtol=1e-5)


@pytest.mark.parametrize("argv, status, message", [
    (["missing.arpa", "G.fst"], 3, "missing.arpa: no such file"),
    (["--read-symbol-table=noeps.txt", TINY, "G.fst"], 4, "noeps.txt: symbol table must give <eps> the label 0"),
    (["--read-symbol-table=bad.txt", TINY, "G.fst"], 4, "bad.txt:2: expected 'word label'"),
    (["--disambig-symbol=#9", f"--read-symbol-table={WORDS}", TINY, "G.fst"], 2, "no disambiguation symbol '#9'"),
    (["bad.arpa", "G.fst"], 4, "bad.arpa:8: "),
    (["--ilabel-sort=maybe", TINY, "G.fst"], 2, "takes true or false"),
    (["--max-order", TINY, "G.fst"], 2, "needs a value"),
    (["--frobnicate=1", TINY, "G.fst"], 2, "unknown option"),
])
def test_bad_input_one_line_errors_and_no_output(tmp_path, monkeypatch, cli, argv, status, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "noeps.txt").write_text("a 1\n<s> 2\n</s> 3\n")
    (tmp_path / "bad.txt").write_text("<eps> 0\na one\n")
    (tmp_path / "bad.arpa").write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<s>\n-1\t</s>\n\n-x\ta\n\\end\\\n")
    code, out, err = cli(arpa2fst_main, argv)
    assert code == status
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "G.fst").exists()
