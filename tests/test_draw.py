"""`ngramkit draw`: the picture of a toy G (states, arcs, labels in the SVG's text) against the
ARPA values written out here, the same picture from a G.fst file, and the neighbourhood of a
history in a real model."""

import gzip
import math
import shutil
import xml.etree.ElementTree as ET

import pytest
from conftest import REFERENCE

from ngramkit.arpa import read_arpa
from ngramkit.cli.main import main
from ngramkit.draw import draw, picture_of, read_machine
from ngramkit.errors import UsageError
from ngramkit.fst import compile_grammar, write_fst
from ngramkit.precompile import _ARPA

pytest.importorskip("igraph")
pytest.importorskip("matplotlib")

LN10 = math.log(10)
TINY = REFERENCE / "en" / "fst" / "tiny.arpa.gz"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def toy(tmp_path):
    """The Witten-Bell 3-gram of a b c text that precompile uses (5 unigrams, 10 bigrams, 12 trigrams)."""
    path = tmp_path / "toy.arpa"
    path.write_text(_ARPA)
    return path


def svg_groups(path):
    """{gid: the text inside that group, one line per line drawn} of a matplotlib SVG."""
    root = ET.parse(path).getroot()
    return {g.get("id"): "\n".join(line.strip() for line in "".join(g.itertext()).splitlines() if line.strip())
            for g in root.iter(f"{SVG}g") if g.get("id")}


def w(log10p):
    """The tropical weight of an ARPA log10 value, as the picture prints it."""
    return f"{-log10p * LN10:.4g}"


# Kaldi's G of the toy with #0: a state per n-gram below the highest order not ending in </s>
# (ε, <s>, a, b, c and the 8 bigrams <s> a, <s> b, <s> c, a b, a c, b a, b c, c a: 13 states);
# arcs: 3 unigrams (a b c; </s> is a final weight, <s> only a state), the 8 bigrams above, the 8
# trigrams not ending in </s>, and one backoff arc per state but ε: 3 + 8 + 8 + 12 = 31.
TOY_STATES = {"ε", "<s>", "a", "b", "c", "<s> a", "<s> b", "<s> c", "a b", "a c", "b a", "b c", "c a"}


def test_toy_picture_has_every_state_arc_and_weight(toy, tmp_path):
    out = tmp_path / "g.svg"
    picture = draw(str(toy), str(out), layout="layered")
    labels = {s.label() for s in picture.states.values()}
    assert labels == TOY_STATES
    assert len(picture.arcs) == 31
    grammar = compile_grammar(read_arpa(toy), disambig_symbol="#0")
    assert (len(picture.states), len(picture.arcs)) == (grammar.num_states, grammar.num_arcs)

    groups = svg_groups(out)
    state_text = {groups[f"state-{s}-label"] for s in picture.states}
    # finals: p(</s> | h) where the ARPA has h </s>; ε's is the unigram's (-0.60206)
    assert "ε\nfinal/" + w(-0.60206) in state_text
    assert "a c\nfinal/" + w(-0.1497623) in state_text  # a c </s>
    assert "a\nfinal/" + w(-0.4637573) in state_text  # a </s>
    assert {t for t in state_text if "final" not in t} == {"<s>", "b", "<s> a", "<s> b", "<s> c", "a b"}
    arc_text = [groups[f"arc-{i}-label"] for i in range(len(picture.arcs))]
    by_ends = {(picture.states[a.src].label(), picture.states[a.dst].label(), a.backoff): arc_text[i]
               for i, a in enumerate(picture.arcs)}
    assert by_ends[("ε", "a", False)] == "a/" + w(-0.5228788)
    assert by_ends[("a", "a b", False)] == "b/" + w(-0.4881167)
    assert by_ends[("<s>", "<s> b", False)] == "b/" + w(-0.640978)
    assert by_ends[("<s> a", "a b", False)] == "b/" + w(-0.3845761)  # trigram <s> a b: to the state of a b
    assert by_ends[("a b", "b c", False)] == "c/" + w(-0.30103)  # a b c
    assert by_ends[("a", "ε", True)] == "#0/" + w(-0.4259687)  # backoff weight of a
    assert by_ends[("b c", "c", True)] == "#0/" + w(-0.3010301)
    assert by_ends[("<s>", "ε", True)] == "#0/" + w(-0.3679768)
    assert sum(a.backoff for a in picture.arcs) == 12
    # backoff arcs are dashed, word arcs solid; the start state is <s> and has its arrow
    root = ET.parse(out).getroot()
    for i, arc in enumerate(picture.arcs):
        group = next(g for g in root.iter(f"{SVG}g") if g.get("id") == f"arc-{i}")
        style = " ".join(p.get("style", "") for p in group.iter(f"{SVG}path"))
        assert ("stroke-dasharray" in style) == arc.backoff
    assert [s.label() for s in picture.states.values() if s.start] == ["<s>"]
    assert "start" in groups


def test_probabilities_switch_labels_arcs_with_p(toy, tmp_path):
    out = tmp_path / "g.svg"
    picture = draw(str(toy), str(out), layout="layered", probabilities=True)
    groups = svg_groups(out)
    texts = {groups[f"arc-{i}-label"] for i in range(len(picture.arcs))}
    assert f"b p={10 ** -0.4881167:.3g}" in texts  # p(b | a)
    assert f"#0 ×{10 ** -0.4259687:.3g}" in texts  # backoff weight of a
    assert f"ε\n</s> p={10 ** -0.60206:.3g}" in {groups[f"state-{s}-label"] for s in picture.states}


def test_plain_g_has_its_own_start_and_final_state(toy, tmp_path):
    picture = draw(str(toy), str(tmp_path / "g.svg"), layout="layered", disambig_symbol=None)
    start = [s for s in picture.states.values() if s.start]
    assert [s.label() for s in start] == ["start"]
    finals = [s for s in picture.states.values() if not math.isinf(s.final)]
    assert [(s.label(), s.final) for s in finals] == [("</s>", 0.0)]
    labels = {(picture.states[a.src].label(), picture.states[a.dst].label()): a for a in picture.arcs}
    assert labels[("start", "<s>")].word == "<s>"
    assert labels[("a", "ε")].word == "<eps>" and labels[("a", "ε")].backoff
    assert picture.arc_label(labels[("a", "ε")]) == "ε/" + w(-0.4259687)
    assert picture.arc_label(labels[("a", "</s>")]) == "</s>/" + w(-0.4637573)


def test_g_fst_file_draws_as_its_arpa_model(toy, tmp_path):
    grammar = compile_grammar(read_arpa(toy), disambig_symbol="#0")
    fst_path = tmp_path / "G.fst"
    write_fst(grammar.to_fst(keep_symbols=True), str(fst_path))
    from_fst = draw(str(fst_path), str(tmp_path / "f.svg"), layout="layered")
    from_arpa = draw(str(toy), str(tmp_path / "a.svg"), layout="layered")

    def content(picture):
        return sorted((picture.states[a.src].label(), picture.states[a.dst].label(), picture.arc_label(a))
                      for a in picture.arcs)

    assert content(from_fst) == content(from_arpa)
    assert svg_groups(tmp_path / "f.svg") == svg_groups(tmp_path / "a.svg")


def arpa_line(path, ngram):
    with gzip.open(path, "rt") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2 and fields[1] == ngram:
                return fields
    raise AssertionError(ngram)


def test_around_a_history_of_a_real_model(tmp_path):
    # In tiny.arpa "old man" is followed once, by "through"; "old man through" is a trigram, so
    # its arc goes to the state of "man through"; "old man" backs off to "man", "man" to ε.
    out = tmp_path / "around.svg"
    picture = draw(str(TINY), str(out), around="old man", layout="layered")
    assert [s.label() for s in picture.states.values()] == ["old man", "man through", "man", "ε"]
    arcs = {(picture.states[a.src].label(), picture.states[a.dst].label()): picture.arc_label(a)
            for a in picture.arcs}
    assert arcs == {
        ("old man", "man through"): "through/" + w(float(arpa_line(TINY, "old man through")[0])),
        ("old man", "man"): "#0/" + w(float(arpa_line(TINY, "old man")[2])),
        ("man", "ε"): "#0/" + w(float(arpa_line(TINY, "man")[2])),
    }
    texts = {t.split("\n")[0] for t in svg_groups(out).values()}
    assert {"old man", "man through", "man", "through/" + w(float(arpa_line(TINY, "old man through")[0]))} <= texts


def test_too_much_is_refused_with_what_to_change(toy):
    machine = read_machine(str(TINY))
    with pytest.raises(UsageError, match=r"'the' to depth 1 would draw up to \d+ states .*longer history"):
        picture_of(machine, around="the")
    with pytest.raises(UsageError, match="--around"):
        picture_of(machine)
    with pytest.raises(UsageError, match="its longest suffix with a state is 'old'"):
        picture_of(machine, around="the old")
    with pytest.raises(UsageError, match="not in the symbol table"):
        picture_of(machine, around="zzzz")
    assert len(picture_of(read_machine(str(toy)), max_states=13, max_arcs=31).arcs) == 31
    with pytest.raises(UsageError, match="whole machine would draw up to 13 states and 31 arcs"):
        picture_of(read_machine(str(toy)), max_states=12)


def test_dot_and_png(toy, tmp_path):
    draw(str(toy), str(tmp_path / "g.dot"))
    dot = (tmp_path / "g.dot").read_text()
    assert dot.startswith("digraph G {") and dot.count(" -> ") == 31 + 1  # and the start marker
    assert dot.count("style=dashed") == 12
    assert 'label="<s> a"' in dot and "peripheries=2" in dot
    draw(str(toy), str(tmp_path / "g.png"), layout="layered")
    data = (tmp_path / "g.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    import matplotlib.image

    pixels = matplotlib.image.imread(str(tmp_path / "g.png"))
    assert pixels.shape[0] > 600 and pixels.shape[1] > 600
    assert (pixels[..., :3] < 0.5).mean() > 0.01  # lines and text, not a blank page


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_layout(toy, tmp_path):
    draw(str(toy), str(tmp_path / "g.svg"), layout="graphviz")
    text = (tmp_path / "g.svg").read_text()
    assert "<s> a" not in text and "&lt;s&gt; a" in text and "#0/" + w(-0.4259687) in text


def test_draw_command(cli, toy, tmp_path):
    out = tmp_path / "g.svg"
    status, _, err = cli(main, ["draw", toy, "-o", out, "--layout", "layered"])
    assert status == 0, err
    assert "13 states, 31 arcs" in err and out.exists()
    status, _, err = cli(main, ["draw", TINY, "-o", tmp_path / "x.svg", "--around", "the"])
    assert status == 2 and err.count("\n") == 1 and "more than the 60 states" in err
    assert not (tmp_path / "x.svg").exists()
    status, _, err = cli(main, ["draw", tmp_path / "missing.fst", "-o", out])
    assert status == 3 and "no such file" in err
