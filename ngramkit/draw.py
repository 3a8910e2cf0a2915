"""Pictures of a G.fst, or of the automaton of an ARPA model, as SVG, PNG or dot.

A G.fst carries no histories, so they are recovered from its structure (Kaldi's machine, see
fst.py): the empty history ε ends every backoff chain; a history w1..wk is the state reached
from ε by reading w1..wk on word arcs (from the state of `<s>` when w1 is `<s>`); and the arc
reading w from the state of h goes to the state of the longest suffix of h w that is a state.
Each drawn state is labelled by the shortest suffix of (its predecessor's history, word) that
walks to it, so a label is checked against the machine, never guessed. Backoff arcs are the arcs that write `<eps>`.

Only a bounded picture is drawn: the whole machine of a toy model, or with `around` the
neighbourhood of one history (its outgoing arcs to a given depth and its backoff chain).
Requests past `max_states` or `max_arcs` are refused with a message saying what to change.

Layout: states are placed in columns by history length, ordered within a column by igraph's
Sugiyama layout (crossing reduction; long arcs routed through its bend points), and drawn by
matplotlib; with Graphviz's `dot` on the PATH (`layout="auto"` or `"graphviz"`) Graphviz lays
out and renders the same graph instead. The dot text needs neither.
"""

import math
import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .arpa import read_arpa
from .errors import FormatError, MissingFileError, UsageError
from .fst import EPS, SymbolTable, compile_grammar
from .textio import atomic_output, open_input
from .vocab import BOS

FORMATS = ("svg", "png", "dot")
LAYOUTS = ("auto", "layered", "graphviz")
_FST_MAGIC = b"\xd6\xfd\xb2\x7e"  # OpenFst's binary header, little-endian 2125659606
EMPTY_HISTORY = "ε"


# -- the machine: a G.fst file or a model's compiled grammar, read state by state ----------

class _GrammarArcs:
    """Arcs of a `Grammar` (ngramkit.fst) by state."""

    def __init__(self, grammar):
        self.grammar = grammar
        self.start = grammar.start
        self.num_states = grammar.num_states
        self.num_arcs = grammar.num_arcs
        self.words = {label: word for word, label in grammar.symbols.items()}
        self.labels = dict(grammar.symbols.ids)

    def arc_count(self, state):
        return int(self.grammar.arc_start[state + 1] - self.grammar.arc_start[state])

    def arcs(self, state):
        """(ilabel, olabel, weight, next state) of each arc leaving `state`."""
        rows = self.grammar.arcs[self.grammar.arc_start[state]:self.grammar.arc_start[state + 1]]
        weights = rows[:, 2].view(np.float32)
        return list(zip(rows[:, 0].tolist(), rows[:, 1].tolist(), weights.tolist(), rows[:, 3].tolist()))

    def word_arc(self, state, label):
        """Next state of the word arc reading `label` from `state`, or -1."""
        lo, hi = int(self.grammar.arc_start[state]), int(self.grammar.arc_start[state + 1])
        rows = self.grammar.arcs[lo:hi]
        if self.grammar.ilabel_sorted:
            i = int(np.searchsorted(rows[:, 0], label))
            hits = [i] if i < len(rows) and rows[i, 0] == label else []
        else:
            hits = np.flatnonzero(rows[:, 0] == label).tolist()
        for i in hits:
            if rows[i, 1] != 0:
                return int(rows[i, 3])
        return -1

    def final(self, state):
        return float(self.grammar.final[state])


class _FstArcs:
    """Arcs of a pynini FST by state; a state's word arcs are indexed when first searched."""

    def __init__(self, fst, symbols):
        self.fst = fst
        self.start = fst.start()
        self.num_states = fst.num_states()
        self.num_arcs = sum(fst.num_arcs(s) for s in fst.states()) if self.num_states < 100_000 else None
        self.words = {label: word for word, label in symbols.items()} if symbols else {}
        self.labels = dict(symbols.ids) if symbols else {}
        self._index = {}

    def arc_count(self, state):
        return self.fst.num_arcs(state)

    def arcs(self, state):
        return [(a.ilabel, a.olabel, float(a.weight), a.nextstate) for a in self.fst.arcs(state)]

    def word_arc(self, state, label):
        if state not in self._index:
            self._index[state] = {i: n for i, o, _, n in self.arcs(state) if o != 0}
        return self._index[state].get(label, -1)

    def final(self, state):
        return float(self.fst.final(state))


def _symbols_of(fst):
    table = fst.input_symbols()
    if table is None:
        return None
    return SymbolTable({word: label for label, word in table})


def read_machine(path, symbols=None, disambig_symbol="#0"):
    """The machine to draw from `path`: a G.fst (OpenFst binary, possibly .gz) or an ARPA model,
    whose G is compiled with `disambig_symbol` (None: Kaldi's `<eps>` backoff arcs).

    symbols: a words.txt path labelling the FST's arcs (default: the FST's own table).
    """
    with open_input(path) as stream:
        head = stream.read(4)
    if head != _FST_MAGIC:
        model = read_arpa(path)
        table = SymbolTable.read(symbols) if symbols else None
        return _GrammarArcs(compile_grammar(model, table, disambig_symbol, path=path))
    import pynini

    with tempfile.TemporaryDirectory(prefix="ngramkit-draw-") as tmp:
        plain = os.path.join(tmp, "G.fst")
        with open_input(path) as src, open(plain, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 24)
        try:
            fst = pynini.Fst.read(plain)
        except Exception as exc:  # pywrapfst raises its own error types
            raise FormatError(f"cannot read as an OpenFst FST ({exc})", path) from None
    if fst.weight_type() != "tropical":
        raise FormatError(f"expected tropical weights, found {fst.weight_type()}", path)
    table = SymbolTable.read(symbols) if symbols else _symbols_of(fst)
    return _FstArcs(fst, table)


# -- the picture: states with histories, arcs with labels ------------------------------------

@dataclass
class State:
    id: int
    history: tuple = None  # words; () is the empty history; None: not recovered (plain start)
    final: float = math.inf  # tropical final weight
    start: bool = False
    expanded: bool = True  # its word arcs are drawn
    layer: int = 0  # its column in the picture

    def label(self):
        if self.history is None:
            return "start" if self.start else f"state {self.id}"
        return " ".join(self.history) if self.history else EMPTY_HISTORY


@dataclass
class Arc:
    src: int
    dst: int
    word: str  # the input symbol as the table names it
    weight: float  # tropical, -ln
    backoff: bool


@dataclass
class Picture:
    states: dict = field(default_factory=dict)  # id -> State, in the order they were reached
    arcs: list = field(default_factory=list)
    probabilities: bool = False  # label with p = exp(-weight) instead of the weight

    def arc_label(self, arc):
        word = "ε" if arc.word == EPS else arc.word
        if self.probabilities:
            return f"{word} ×{math.exp(-arc.weight):.3g}" if arc.backoff else f"{word} p={math.exp(-arc.weight):.3g}"
        return f"{word}/{arc.weight:.4g}"

    def final_label(self, state):
        if math.isinf(state.final):
            return None
        return f"</s> p={math.exp(-state.final):.3g}" if self.probabilities else f"final/{state.final:.4g}"


class _Histories:
    """Recovers the history of states by walking word arcs (see the module docstring)."""

    def __init__(self, machine):
        self.machine = machine
        self.walked = {}
        self.bos_state = machine.start
        bos = machine.labels.get(BOS)
        if bos is not None and machine.start >= 0:
            after_bos = machine.word_arc(machine.start, bos)
            if after_bos >= 0:  # no disambiguation symbol: a start state of its own reads <s>
                self.bos_state = after_bos
        self.empty = self.bos_state
        seen = set()
        while self.empty >= 0 and self.empty not in seen:
            seen.add(self.empty)
            backoff = [n for _, o, _, n in machine.arcs(self.empty) if o == 0]
            if not backoff:
                break
            self.empty = backoff[0]

    def walk(self, words):
        """State reached by reading `words` from ε (from <s>'s state if they start with <s>), or -1."""
        words = tuple(words)
        if words not in self.walked:
            if words[:1] == (BOS,):
                state, rest = self.bos_state, words[1:]
            else:
                state, rest = self.empty, words
            for word in rest:
                label = self.machine.labels.get(word)
                state = -1 if label is None or state < 0 else self.machine.word_arc(state, label)
            self.walked[words] = state
        return self.walked[words]

    def of(self, words, state, proper=False):
        """The history of `state`, a suffix of `words` (shorter than it with `proper`): the
        shortest suffix that walks to it. A walk of at most the highest order's history length
        reads only arcs to the state of one word more, so it ends on the state of what it read;
        a longer one may end on the state of a suffix through a highest-order arc."""
        words = tuple(words)
        for length in range(len(words) + (0 if proper else 1)):
            suffix = words[len(words) - length:]
            if self.walk(suffix) == state:
                return suffix
        return None


def _too_much(what, states, arcs, max_states, max_arcs, advice):
    if states > max_states or arcs > max_arcs:
        raise UsageError(f"{what} would draw up to {states} states and {arcs} arcs, more than the "
                         f"{max_states} states and {max_arcs} arcs allowed: {advice}")


def picture_of(machine, around=None, depth=1, max_states=60, max_arcs=120, probabilities=False):
    """The `Picture` of `machine` (from `read_machine`): the whole machine, or with `around`
    (a history: words separated by spaces, "" for ε) the state of that history, its word arcs
    followed `depth` arcs deep, its backoff chain, and the backoff arcs between drawn states."""
    if machine.start < 0:
        raise FormatError("the FST has no start state")
    histories = _Histories(machine)
    picture = Picture(probabilities=probabilities)

    def add_state(state, history, expanded=True, layer=None):
        if layer is None:  # the whole machine: one column per history length
            layer = -1 if history is None else len(history)
        picture.states[state] = State(state, history, machine.final(state), state == machine.start, expanded,
                                      layer)

    def add_arcs(state, words_only=False, layer=None):
        for ilabel, olabel, weight, nxt in machine.arcs(state):
            backoff = olabel == 0
            if backoff and words_only:
                continue
            if nxt not in picture.states:
                words = picture.states[state].history or ()
                read = () if backoff else (machine.words.get(ilabel, ""),)
                add_state(nxt, histories.of(words + read, nxt, proper=backoff), layer=layer)
            picture.arcs.append(Arc(state, nxt, machine.words.get(ilabel, str(ilabel)), weight, backoff))

    if around is None:
        if machine.num_arcs is None:
            raise UsageError("the FST is too large to draw whole: give a history to draw around")
        _too_much("the whole machine", machine.num_states, machine.num_arcs, max_states, max_arcs,
                  "draw the neighbourhood of one history instead (--around)")
        start_history = (BOS,) if histories.bos_state == machine.start else None
        add_state(machine.start, start_history)
        queue = [machine.start]
        for state in queue:  # breadth first: grows as states are reached
            known = set(picture.states)
            add_arcs(state)
            queue.extend(s for s in picture.states if s not in known)
        return picture

    if not machine.labels:
        raise UsageError("the FST has no symbol table: give one (--symbols words.txt) to draw around a history")
    words = tuple(around.split())
    unknown = [w for w in words if w not in machine.labels]
    if unknown:
        raise UsageError(f"{unknown[0]!r} is not in the symbol table")
    center = histories.walk(words)
    if center < 0 or histories.of(words, center) != words:
        longest = next((words[i:] for i in range(len(words) + 1) if histories.walk(words[i:]) >= 0
                        and histories.of(words[i:], histories.walk(words[i:])) == words[i:]), ())
        raise UsageError(f"no state has the history {' '.join(words)!r} (the model has no such n-gram below "
                         f"its highest order); its longest suffix with a state is "
                         f"{' '.join(longest) if longest else EMPTY_HISTORY!r}")
    if depth < 1:
        raise UsageError(f"the depth must be at least 1, not {depth}")
    # around a history: one column per arc followed, the backoff chain to the left
    add_state(center, words, layer=0)
    frontier = [center]
    for level in range(depth):
        arcs = len(picture.arcs) + sum(machine.arc_count(s) for s in frontier)
        _too_much(f"drawing {' '.join(words) or EMPTY_HISTORY!r} to depth {level + 1}",
                  len(picture.states) + sum(machine.arc_count(s) for s in frontier), arcs, max_states, max_arcs,
                  "choose a longer history or a smaller depth, or raise the limits")
        reached = []
        for state in frontier:
            known = set(picture.states)
            add_arcs(state, words_only=True, layer=level + 1)
            reached.extend(s for s in picture.states if s not in known)
        frontier = reached
    for state in frontier:
        picture.states[state].expanded = False
    # the backoff chain of the centre down to ε
    state = center
    while True:
        backoff = [(i, w, n) for i, o, w, n in machine.arcs(state) if o == 0]
        if not backoff:
            break
        ilabel, weight, nxt = backoff[0]
        if nxt not in picture.states:
            add_state(nxt, histories.of(picture.states[state].history, nxt, proper=True), expanded=False,
                      layer=picture.states[state].layer - 1 if picture.states[state].layer <= 0 else -1)
        if not any(a.src == state and a.dst == nxt and a.backoff for a in picture.arcs):
            picture.arcs.append(Arc(state, nxt, machine.words.get(ilabel, str(ilabel)), weight, True))
        state = nxt
    for state in list(picture.states):
        if not any(a.src == state and a.backoff for a in picture.arcs):
            for ilabel, olabel, weight, nxt in machine.arcs(state):
                if olabel == 0 and nxt in picture.states:
                    picture.arcs.append(Arc(state, nxt, machine.words.get(ilabel, str(ilabel)), weight, True))
    return picture


# -- output ----------------------------------------------------------------------------------

def _dot_quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(picture, title=None):
    """Graphviz dot text of the picture (left to right; backoff arcs dashed)."""
    lines = ["digraph G {", "  rankdir=LR;", '  node [shape=box, style="rounded", fontname="DejaVu Sans"];',
             '  edge [fontname="DejaVu Sans", fontsize=10];']
    if title:
        lines.append(f"  label={_dot_quote(title)}; labelloc=t;")
    for state in picture.states.values():
        label = state.label()
        final = picture.final_label(state)
        if final:
            label += "\n" + final
        attrs = [f"label={_dot_quote(label)}"]
        if final:
            attrs.append("peripheries=2")
        if state.start:
            attrs.append("penwidth=2.5")
        if not state.expanded:
            attrs.append('color="gray50"')
        lines.append(f"  s{state.id} [{', '.join(attrs)}];")
    start = [s for s in picture.states.values() if s.start]
    if start:
        lines.append('  start [shape=point, width=0.08]; start -> s%d;' % start[0].id)
    for arc in picture.arcs:
        style = ', style=dashed, color="gray40", fontcolor="gray30"' if arc.backoff else ""
        lines.append(f"  s{arc.src} -> s{arc.dst} [label={_dot_quote(picture.arc_label(arc))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _text_width(text, size):
    """Width in inches of `text` at `size` points: wide (CJK) characters take a full em."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * size / 72


_NODE_FONT, _ARC_FONT = 10, 8


def _boundary(center, half, toward):
    """Where the line from the centre of a box toward a point leaves the box."""
    dx, dy = toward[0] - center[0], toward[1] - center[1]
    if dx == 0 and dy == 0:
        return center
    scale = min(half[0] / abs(dx) if dx else math.inf, half[1] / abs(dy) if dy else math.inf)
    return (center[0] + dx * scale, center[1] + dy * scale)


def _layout(picture):
    """(node centres and half sizes in inches, per arc its control points): igraph's Sugiyama
    layout with one layer per history length, turned to run left to right."""
    import igraph

    ids = list(picture.states)
    index = {s: i for i, s in enumerate(ids)}
    layers = [picture.states[s].layer for s in ids]
    low = min(layers)
    layers = [layer - low for layer in layers]
    graph = igraph.Graph(n=len(ids), edges=[(index[a.src], index[a.dst]) for a in picture.arcs], directed=True)
    layout = graph.layout_sugiyama(layers=layers, hgap=1, vgap=1, maxiter=200)
    half = {}
    for s in ids:
        lines = [picture.states[s].label()] + ([picture.final_label(picture.states[s])]
                                                if picture.final_label(picture.states[s]) else [])
        width = max(_text_width(line, _NODE_FONT) for line in lines) + 0.3
        half[s] = (max(width, 0.55) / 2, 0.16 + 0.09 * len(lines))
    # columns as wide as their widest state, with room between them for arc labels
    widest_label = max((_text_width(picture.arc_label(a), _ARC_FONT) for a in picture.arcs), default=0.5)
    n_layers = max(layers) + 1
    column_width = [0.0] * n_layers
    for s, layer in zip(ids, layers):
        column_width[layer] = max(column_width[layer], 2 * half[s][0])
    gap = min(max(widest_label + 0.6, 1.3), 2.6)
    column_x = []
    x = 0.0
    for width in column_width:
        column_x.append(x + width / 2)
        x += width + gap
    row_height = max(2 * h[1] for h in half.values()) + 0.45
    centres = {s: (column_x[layers[i]], -layout[i][0] * row_height) for i, s in enumerate(ids)}

    def place(point):
        return (column_x[int(round(point[1]))], -point[0] * row_height)

    bends = [[place(p) for p in route] for route in layout.edge_routing]
    return centres, half, bends


def _arc_path(start, bends, end, src_box, dst_box, self_loop, bulge):
    """Vertices and codes of an arc's path, clipped to the boxes of its states."""
    from matplotlib.path import Path

    if self_loop:
        (cx, cy), (hw, hh) = src_box
        a, b = (cx - hw * 0.45, cy + hh), (cx + hw * 0.45, cy + hh)
        return [a, (a[0] - 0.25, a[1] + 0.55), (b[0] + 0.25, b[1] + 0.55), b], [Path.MOVETO] + [Path.CURVE4] * 3
    if not bends:
        # bend each arc to its right, so that arcs both ways between two states stay apart
        dx, dy = end[0] - start[0], end[1] - start[1]
        bends = [((start[0] + end[0]) / 2 + dy * bulge, (start[1] + end[1]) / 2 - dx * bulge)]
    first = _boundary(src_box[0], src_box[1], bends[0])
    last = _boundary(dst_box[0], dst_box[1], bends[-1])
    verts, codes = [first], [Path.MOVETO]
    for i, bend in enumerate(bends):
        nxt = bends[i + 1] if i + 1 < len(bends) else None
        on_curve = ((bend[0] + nxt[0]) / 2, (bend[1] + nxt[1]) / 2) if nxt else last
        verts += [bend, on_curve]
        codes += [Path.CURVE3, Path.CURVE3]
    return verts, codes


def _path_points(verts, codes, samples=24):
    """Points along the path, in order from its start."""
    from matplotlib.path import Path

    points = []
    for segment, _ in Path(verts, codes).iter_bezier():
        points.extend(map(tuple, segment(np.linspace(0, 1, samples, endpoint=False))))
    return points


def _overlap(a, b):
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _place_label(points, width, height, taken):
    """The point along an arc where its label box overlaps least with boxes already placed,
    preferring the middle of the arc."""
    best = None
    for fraction in (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78):
        x, y = points[int(fraction * (len(points) - 1))]
        box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
        cost = sum(_overlap(box, other) for other in taken) + 0.01 * abs(fraction - 0.5)
        if best is None or cost < best[0]:
            best = (cost, (x, y), box)
    taken.append(best[2])
    return best[1]


def _figure(picture, title=None):
    """The matplotlib figure of the picture; sizes are in inches, one data unit an inch."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path

    centres, half, bends = _layout(picture)
    # arcs and their label places first: the picture's extent takes them in
    boxes = [(c[0] - half[s][0], c[1] - half[s][1], c[0] + half[s][0], c[1] + half[s][1])
             for s, c in centres.items()]
    taken = list(boxes)
    drawn = []
    pair_count = {}
    for i, arc in enumerate(picture.arcs):
        key = (min(arc.src, arc.dst), max(arc.src, arc.dst))
        pair_count[key] = pair_count.get(key, 0) + 1
        src_box, dst_box = (centres[arc.src], half[arc.src]), (centres[arc.dst], half[arc.dst])
        route = bends[i]
        if abs(centres[arc.src][0] - centres[arc.dst][0]) < 1e-9 and arc.src != arc.dst and not route:
            # within a column: round the states between on the right, wider for each arc more
            (sx, sy), (_, dy) = centres[arc.src], centres[arc.dst]
            reach = max(half[arc.src][0], half[arc.dst][0]) + 0.25 + 0.12 * abs(sy - dy) + 0.2 * pair_count[key]
            route = [(sx + reach, sy + (dy - sy) * 0.2), (sx + reach, sy + (dy - sy) * 0.8)]
        verts, codes = _arc_path(centres[arc.src], route, centres[arc.dst], src_box, dst_box,
                                 arc.src == arc.dst, 0.12 * pair_count[key])
        label = picture.arc_label(arc)
        points = _path_points(verts, codes)
        where = _place_label(points, _text_width(label, _ARC_FONT) + 0.08, _ARC_FONT / 72 + 0.08, taken)
        boxes.extend((x, y, x, y) for x, y in points)
        drawn.append((arc, verts, codes, label, where))
    boxes.extend(taken)
    margin = 0.3
    x0 = min(b[0] for b in boxes) - margin - 0.45  # room for the start arrow
    x1 = max(b[2] for b in boxes) + margin
    y0 = min(b[1] for b in boxes) - margin
    y1 = max(b[3] for b in boxes) + margin + (0.4 if title else 0)
    fig = Figure(figsize=(x1 - x0, y1 - y0))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_axis_off()
    if title:
        ax.text((x0 + x1) / 2, y1 - 0.3, title, ha="center", va="center", fontsize=11, gid="title")
    for i, (arc, verts, codes, label, (lx, ly)) in enumerate(drawn):
        color = "#7a7a7a" if arc.backoff else "#27408b"
        patch = FancyArrowPatch(path=Path(verts, codes), arrowstyle="-|>", mutation_scale=11, linewidth=1.0,
                                color=color, linestyle=(0, (4, 3)) if arc.backoff else "-", zorder=1)
        patch.set_gid(f"arc-{i}")
        ax.add_patch(patch)
        ax.text(lx, ly, label, fontsize=_ARC_FONT, ha="center", va="center", zorder=3,
                color="#555555" if arc.backoff else "#1f2f5f", style="italic" if arc.backoff else "normal",
                bbox=dict(boxstyle="round,pad=0.12", facecolor="white", edgecolor="none", alpha=0.85),
                gid=f"arc-{i}-label")
    for state in picture.states.values():
        (cx, cy), (hw, hh) = centres[state.id], half[state.id]
        edge = "#222222" if state.expanded else "#999999"
        box = FancyBboxPatch((cx - hw, cy - hh), 2 * hw, 2 * hh, boxstyle="round,pad=0,rounding_size=0.12",
                             facecolor="#fdf6e3" if state.expanded else "#f4f4f4", edgecolor=edge,
                             linewidth=2.4 if state.start else 1.1, zorder=4)
        box.set_gid(f"state-{state.id}")
        ax.add_patch(box)
        final = picture.final_label(state)
        if final:
            inner = FancyBboxPatch((cx - hw + 0.05, cy - hh + 0.05), 2 * hw - 0.1, 2 * hh - 0.1,
                                   boxstyle="round,pad=0,rounding_size=0.09", facecolor="none",
                                   edgecolor=edge, linewidth=0.9, zorder=5)
            inner.set_gid(f"state-{state.id}-final")
            ax.add_patch(inner)
        text = state.label() + ("\n" + final if final else "")
        ax.text(cx, cy, text, fontsize=_NODE_FONT, ha="center", va="center", zorder=6, linespacing=1.3,
                color="#111111" if state.expanded else "#555555", gid=f"state-{state.id}-label")
        if state.start:
            start_arrow = FancyArrowPatch((cx - hw - 0.45, cy), (cx - hw, cy), arrowstyle="-|>",
                                          mutation_scale=12, linewidth=1.6, color="#222222", zorder=4)
            start_arrow.set_gid("start")
            ax.add_patch(start_arrow)
    return fig


def _graphviz_render(dot_text, fmt, out):
    dot = shutil.which("dot")
    if dot is None:
        raise UsageError("the graphviz layout needs Graphviz's dot on the PATH")
    done = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode("utf-8"), capture_output=True)
    if done.returncode != 0:
        raise UsageError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()}")
    out.write(done.stdout)


def write_picture(picture, path, fmt=None, layout="auto", title=None, dpi=150):
    """Write the picture to `path` as svg, png or dot (default: from the extension).

    layout: "layered" (igraph and matplotlib), "graphviz" (Graphviz's dot renders it) or
    "auto" (Graphviz when `dot` is on the PATH, else layered)."""
    fmt = fmt or os.path.splitext(str(path))[1].lstrip(".").lower()
    if fmt not in FORMATS:
        raise UsageError(f"cannot tell the picture format from {path!r}: give one of {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}: one of {', '.join(LAYOUTS)}")
    dot_text = to_dot(picture, title)
    if fmt == "dot":
        with atomic_output(path, text=True) as out:
            out.write(dot_text)
        return
    if layout == "graphviz" or (layout == "auto" and shutil.which("dot")):
        with atomic_output(path) as out:
            _graphviz_render(dot_text, fmt, out)
        return
    try:
        import igraph  # noqa: F401
        import matplotlib
    except ImportError:
        raise UsageError("drawing needs matplotlib and igraph: pip install 'ngramkit[plot]'") from None
    fig = _figure(picture, title)
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ngramkit",
                                "font.family": ["DejaVu Sans", "Noto Sans CJK SC", "sans-serif"]}):
        with atomic_output(path) as out:
            fig.savefig(out, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None)


def draw(source, output, around=None, depth=1, symbols=None, disambig_symbol="#0", probabilities=False,
         max_states=60, max_arcs=120, layout="auto", fmt=None, title=None):
    """Draw the G.fst or ARPA model at `source` to `output` (see `picture_of`, `write_picture`);
    returns the `Picture`."""
    if not os.path.exists(source) and source != "-":
        raise MissingFileError("no such file", source)
    machine = read_machine(source, symbols, disambig_symbol)
    picture = picture_of(machine, around, depth, max_states, max_arcs, probabilities)
    write_picture(picture, output, fmt, layout, title)
    return picture
