"""One self-contained HTML report on a model, and on a text under it.

The page needs nothing from the network: styles are inlined, charts are inline SVG drawn by
matplotlib (text kept as text), and there is no script. It shows the model (orders, n-grams,
vocabulary, `<unk>`, file size, estimation details when the model carries them), and with a
text the perplexity figures of `PerplexityScorer.report` (SRILM's numbers), a histogram of
per-sentence perplexities, the worst sentences with each word shaded by its log probability
and marked with the order of the n-gram that scored it, and the most frequent OOV words. With
a second model: both side by side and the sentences it helps or hurts most. Optionally a
pruning curve, computed on the spot.

Every number a test compares with SRILM is also in a `data-stat` attribute.
"""

import html
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from .errors import UsageError
from .formats import load
from .perplexity import PerplexityScorer, sentence_span
from .progress import Progress
from .prune import Pruner
from .scoring import tokenize_lines
from .textio import atomic_output, iter_line_blocks
from .vocab import UNK

DEFAULT_THRESHOLDS = (1e-9, 1e-8, 3e-8, 1e-7, 3e-7, 1e-6, 3e-6, 1e-5)


def _g(value, digits=7):
    """A number as SRILM prints it (%g with 7 significant digits)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    return f"{value:.{digits}g}"


def _esc(text):
    """Text for the page; the bytes of a word that are not UTF-8 (a model read with the encoding
    `bytes`, held as surrogate escapes) shown as \\xNN."""
    shown = str(text).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return html.escape(shown, quote=True)


# -- charts ----------------------------------------------------------------------------------

def _svg(fig):
    """The figure as inline SVG (no XML prologue), text kept as text."""
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "ngramkit-report"}):
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _new_figure(width=6.4, height=3.2):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _counts_of_counts_chart(estimation):
    fig, ax = _new_figure()
    for entry in estimation:
        counts = entry.get("count_of_counts")
        if counts:
            ax.plot(range(1, len(counts) + 1), counts, marker="o", label=f"order {entry.get('order', '?')}")
    ax.set_yscale("log")
    ax.set_xlabel("count r")
    ax.set_ylabel("n-grams seen r times")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return _svg(fig)


def _ppl_histogram(named_ppls):
    fig, ax = _new_figure()
    finite = [p[np.isfinite(p)] for _, p in named_ppls]
    values = np.concatenate(finite) if finite else np.zeros(0)
    if len(values) == 0:
        return ""
    low, high = max(values.min(), 1.0), max(values.max(), 2.0)
    bins = np.geomspace(low, high * 1.0001, 30)
    for (name, _), ppl in zip(named_ppls, finite):
        ax.hist(ppl, bins=bins, histtype="step" if len(named_ppls) > 1 else "bar", linewidth=1.5, label=name,
                alpha=1.0 if len(named_ppls) > 1 else 0.8)
    ax.set_xscale("log")
    ax.set_xlabel("sentence perplexity")
    ax.set_ylabel("sentences")
    ax.grid(True, alpha=0.3)
    if len(named_ppls) > 1:
        ax.legend()
    fig.tight_layout()
    return _svg(fig)


def _difference_histogram(delta, names):
    fig, ax = _new_figure()
    ax.hist(delta, bins=40, color="#4a7ab5")
    ax.axvline(0, color="#333333", linewidth=1)
    ax.set_xlabel(f"log10 p({names[1]}) − log10 p({names[0]}) per sentence")
    ax.set_ylabel("sentences")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return _svg(fig)


def _pruning_chart(points, text_name):
    fig, ax = _new_figure()
    ax.plot([p[0] for p in points], [p[1] for p in points], marker="o")
    for size, ppl, theta in points:
        ax.annotate(f"{theta:g}" if theta else "unpruned", (size, ppl), textcoords="offset points",
                    xytext=(4, 4), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("n-grams")
    ax.set_ylabel(f"perplexity of {text_name}")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return _svg(fig)


# -- what is reported ------------------------------------------------------------------------

@dataclass
class ModelFacts:
    name: str
    path: str
    file_bytes: int
    sizes: list
    vocab_size: int
    unk_logprob: float  # log10 p(<unk>) of the model, None if <unk> is not a unigram
    estimation: list

    @classmethod
    def of(cls, model, path):
        unigrams = model.ngrams[0][:, 0] if model.order else np.zeros(0, np.int32)
        at = np.flatnonzero(unigrams == model.vocab.unk)
        return cls(name=os.path.basename(str(path)), path=str(path), file_bytes=os.path.getsize(path),
                   sizes=model.sizes(), vocab_size=len(unigrams),
                   unk_logprob=float(model.logprob[0][at[0]]) if len(at) else None,
                   estimation=getattr(model, "estimation", None))


def sentence_surfaces(path, scorer, wanted):
    """{sentence index: its words as written} for the sentences in `wanted`, read again from
    `path` and split as the scorer splits them (an explicit <s>/</s> at a line's ends dropped)."""
    wanted = np.unique(np.asarray(sorted(wanted), dtype=np.int64))
    vocab = scorer.model.vocab
    found = {}
    first = 0
    for block, _ in iter_line_blocks(path, scorer.encoding, allow_bytes=True):
        buf = np.frombuffer(block, dtype=np.uint8)
        ids, starts, ends, line_offsets = tokenize_lines(buf, *scorer.words.arrays(), scorer.unk)
        lines = len(line_offsets) - 1
        for s in wanted[(wanted >= first) & (wanted < first + lines)].tolist():
            lo, hi = sentence_span(ids, line_offsets, s - first, vocab.bos, vocab.eos)
            found[s] = [bytes(buf[starts[t]:ends[t]]).decode("utf-8", "surrogateescape") for t in range(lo, hi)]
        first += lines
    return found


def pruning_curve(model, text, thresholds=DEFAULT_THRESHOLDS, minprune=2, on_point=None, encoding=None):
    """[(n-grams, perplexity of `text`, threshold)] for the model and its prunings (0: unpruned);
    `on_point(point)` sees each point as it is made; `encoding`: the text's (PerplexityScorer's)."""
    pruner = Pruner(model, minprune)
    points = []
    for theta in [0.0] + sorted(thresholds):
        pruned = pruner.pruned(theta) if theta else model
        points.append((sum(pruned.sizes()), PerplexityScorer(pruned, encoding=encoding).score_file(text).ppl(), theta))
        if on_point:
            on_point(points[-1])
    return points


# -- HTML ------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: #1d1d1d; margin: 0;
  background: #fafafa; line-height: 1.4; }
main { max-width: 1180px; margin: 0 auto; padding: 1.2em 1.6em 3em; background: #fff; }
h1 { font-size: 1.5em; margin: 0.2em 0 0.1em; } h2 { font-size: 1.2em; margin-top: 1.6em;
  border-bottom: 1px solid #ddd; padding-bottom: 0.2em; } h3 { font-size: 1.02em; margin: 1.1em 0 0.4em; }
.sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.4em 0 0.8em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.22em 0.8em; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f4f4f4; padding: 0.5em 0.8em; overflow-x: auto; font-size: 0.88em; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } .charts figure { margin: 0; flex: 1 1 480px; }
svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.85em; color: #555; }
.sentence { margin: 0.35em 0 0.6em; line-height: 2.1; }
.sentence .meta { font-size: 0.8em; color: #555; margin-right: 0.6em; white-space: nowrap; }
.w { padding: 0.05em 0.22em; border-radius: 3px; margin-right: 0.12em; white-space: nowrap; }
.w sub { font-size: 0.62em; color: #333; margin-left: 0.1em; }
.w.o1 { border-bottom: 2px solid #d62728; } .w.o2 { border-bottom: 2px solid #ff7f0e; }
.w.o3 { border-bottom: 2px solid #2ca02c; } .w.ohigh { border-bottom: 2px solid #1f77b4; }
.w.oov { background: repeating-linear-gradient(45deg, #ddd, #ddd 3px, #fff 3px, #fff 6px);
  color: #555; border-bottom: 2px dotted #777; }
.legend span { margin-right: 0.8em; }
.pair { display: flex; gap: 2em; flex-wrap: wrap; } .pair > div { flex: 1 1 480px; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
@media print { body { background: #fff; } main { max-width: none; padding: 0; }
  section, figure, .sentence, table { break-inside: avoid; } }
"""


def _shade(logprob):
    """Background of a word by its log10 probability: pale for likely words, deep red below -6."""
    if not np.isfinite(logprob):
        return ""
    strength = min(max(-float(logprob) / 6.0, 0.0), 1.0)
    lightness = 96 - 46 * strength
    return f' style="background: hsl({int(50 - 50 * strength)}, 85%, {lightness:.0f}%)"'


def _order_class(order, highest):
    if order == 0:
        return "oov"
    return "ohigh" if order == highest and order > 3 else f"o{min(order, 3)}"


def _sentence_html(words, logprob, order, highest, meta):
    """A sentence's words (and </s>), each shaded by its log10 p and marked with its n-gram order."""
    tokens = list(words) + ["</s>"]
    if len(tokens) != len(logprob):  # cannot happen for text the scorer read; keep the words anyway
        tokens = (tokens + ["?"] * len(logprob))[:len(logprob)]
    parts = []
    for word, lp, k in zip(tokens, logprob.tolist(), order.tolist()):
        title = "OOV" if k == 0 else f"log10 p = {_g(lp)}, {k}-gram"
        mark = "OOV" if k == 0 else str(k)
        parts.append(f'<span class="w {_order_class(k, highest)}"{_shade(lp)} title="{_esc(title)}">'
                     f"{_esc(word)}<sub>{mark}</sub></span>")
    return f'<div class="sentence"><span class="meta">{meta}</span> {" ".join(parts)}</div>'


def _legend(highest):
    orders = "".join(f'<span class="w {_order_class(k, highest)}">word<sub>{k}</sub></span> {k}-gram '
                     for k in range(1, highest + 1))
    shades = "".join(f'<span class="w"{_shade(lp)}>{lp}</span>' for lp in (0, -1, -2, -3, -4, -5, -6))
    return (f'<p class="legend">Underline and subscript: the order of the n-gram that scored the word '
            f'(lower orders mean backing off): {orders}<span class="w oov">word<sub>OOV</sub></span> '
            f"not scored. Shade: log10 p {shades}</p>")


def _model_section(facts, label):
    rows = [("file", _esc(facts.path)), ("file size", f"{facts.file_bytes:,} bytes"),
            ("order", str(len(facts.sizes)))]
    rows += [(f"{k}-grams", f'<span data-stat="ngrams-{k}">{n:,}</span>') for k, n in enumerate(facts.sizes, 1)]
    rows.append(("n-grams in all", f"{sum(facts.sizes):,}"))
    rows.append(("vocabulary (unigrams)", f'<span data-stat="vocab">{facts.vocab_size:,}</span>'))
    if facts.unk_logprob is None:
        unk = f"{UNK} is not in the model: OOV words are not scored, only counted (a closed vocabulary)"
    else:
        unk = (f"{UNK} is in the model, log10 p = {_g(facts.unk_logprob)}: OOV words are scored as {UNK} "
               "(an open vocabulary)")
    rows.append((f"{_esc(UNK)}", _esc(unk)))
    body = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    out = [f"<h3>{_esc(label)}</h3><table>{body}</table>"]
    if facts.estimation:
        head = "<tr><th>order</th><th>method</th><th>interpolated</th><th>min count</th><th>discounts</th></tr>"
        lines = []
        for entry in facts.estimation:
            discounts = entry.get("discounts")
            lines.append(
                f"<tr><td>{_esc(entry.get('order', ''))}</td><td>{_esc(entry.get('method', ''))}</td>"
                f"<td>{_esc({True: 'yes', False: 'no'}.get(entry.get('interpolate'), ''))}</td>"
                f"<td>{_esc(entry.get('min_count', ''))}</td>"
                f"<td>{_esc(' '.join(_g(d) for d in discounts) if discounts else '')}</td></tr>")
        out.append(f"<h3>Estimation</h3><table>{head}{''.join(lines)}</table>")
        if any(entry.get("count_of_counts") for entry in facts.estimation):
            out.append(f"<figure>{_counts_of_counts_chart(facts.estimation)}<figcaption>Counts of counts "
                       "per order (the discounts are computed from them)</figcaption></figure>")
    return "".join(out)


_STAT_ROWS = (
    ("sentences", "sentences", lambda s: str(s.sentences)),
    ("words", "words", lambda s: str(s.words)),
    ("oovs", "OOVs", lambda s: str(s.oovs)),
    ("oov-rate", "OOV rate (of words)", lambda s: f"{100 * s.oovs / s.words:.3f}%" if s.words else "undefined"),
    ("zeroprobs", "zeroprobs", lambda s: str(s.zeroprobs)),
    ("logprob", "log10 probability", lambda s: _g(s.logprob)),
    ("ppl", "perplexity (with &lt;/s&gt;)", lambda s: _g(s.ppl())),
    ("ppl1", "perplexity without &lt;/s&gt;", lambda s: _g(s.ppl(with_eos=False))),
    ("bits", "cross-entropy, bits per token", lambda s: _g(s.bits_per_word(), 5)),
)


def _stats_table(names, reports):
    head = "<tr><th></th>" + "".join(f'<th class="num">{_esc(n)}</th>' for n in names) + "</tr>"
    rows = []
    for key, label, value in _STAT_ROWS:
        cells = "".join(f'<td class="num" data-model="{i}" data-stat="{key}">{value(r.stats)}</td>'
                        for i, r in enumerate(reports))
        rows.append(f"<tr><th>{label}</th>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _sentence_tokens(report, s):
    lo, hi = int(report.sentence_offsets[s]), int(report.sentence_offsets[s + 1])
    return report.token_logprob[lo:hi], report.token_order[lo:hi]


def _sentence_meta(report, s, ppl):
    return (f'#{s + 1} · ppl <span data-stat="sentence-ppl" data-sentence="{s}">{_g(ppl[s])}</span> · '
            f"log10 p {_g(report.sentence_logprob[s])}")


def build_report(model_path, text=None, vs=None, prune=False, thresholds=DEFAULT_THRESHOLDS, minprune=2,
                 worst=12, oov_top=25, unk_word=None, quiet=False, encoding="utf-8"):
    """The HTML text of the report (see the module docstring). `encoding`: of the ARPA models and
    the text (see textio); with `bytes` words are SRILM's byte strings, their bytes that are not
    UTF-8 shown as \\xNN."""
    steps = 1 + (1 if vs else 0) + (1 + (1 if vs else 0) if text else 0) + (len(thresholds) if prune else 0)
    progress = Progress("report", quiet=quiet, total=steps)
    try:
        paths = [model_path] + ([vs] if vs else [])
        models = []
        for path in paths:
            models.append(load(path, encoding=encoding))
            progress.advance(1)
        facts = [ModelFacts.of(m, p) for m, p in zip(models, paths)]
        names = [f.name for f in facts]
        if len(set(names)) < len(names):
            names = [f.path for f in facts]
        parts = [f"<h1>Language model report: {_esc(' vs '.join(names))}</h1>",
                 f'<p class="sub">ngramkit · {len(models[0].sizes())}-gram model'
                 + (f" · text {_esc(os.path.basename(str(text)))}" if text else "") + "</p>",
                 "<section><h2>The model" + ("s" if vs else "") + "</h2>"]
        if vs:
            parts.append('<div class="pair">' + "".join(f"<div>{_model_section(f, n)}</div>"
                                                         for f, n in zip(facts, names)) + "</div>")
        else:
            parts.append(_model_section(facts[0], names[0]))
        parts.append("</section>")
        if text is not None:
            scorers = [PerplexityScorer(m, unk_word, encoding=encoding) for m in models]
            reports = []
            for scorer in scorers:
                reports.append(scorer.report(text))
                progress.advance(1)
            parts.append(_text_sections(text, names, models, scorers, reports, worst, oov_top))
            if prune:
                points = pruning_curve(models[0], text, thresholds, minprune,
                                       lambda point: point[2] and progress.advance(1), encoding)
                rows = "".join(f'<tr><td class="num">{t:g}</td><td class="num">{n:,}</td>'
                               f'<td class="num" data-stat="prune-ppl">{_g(p)}</td></tr>' for n, p, t in points)
                parts.append(f"<section><h2>Pruning curve of {_esc(names[0])}</h2><div class='charts'><figure>"
                             f"{_pruning_chart(points, os.path.basename(str(text)))}<figcaption>Entropy pruning "
                             "(labels: threshold)</figcaption></figure><div><table><tr><th>threshold</th>"
                             f"<th>n-grams</th><th>perplexity</th></tr>{rows}</table></div></div></section>")
        elif prune:
            raise UsageError("a pruning curve needs a text to measure perplexity on")
    finally:
        progress.close()
    title = _esc("Report: " + " vs ".join(names))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body><main>{''.join(parts)}</main></body></html>\n")


def _text_sections(text, names, models, scorers, reports, worst, oov_top):
    if len(reports) == 2 and len(reports[0].sentence_logprob) != len(reports[1].sentence_logprob):
        raise UsageError("the two models read the text into different numbers of sentences")
    text_name = os.path.basename(str(text))
    ppls = [r.sentence_ppl() for r in reports]
    highest = max(m.order for m in models)
    out = [f"<section><h2>Perplexity of {_esc(text_name)}</h2>", _stats_table(names, reports)]
    out += [f"<h3>SRILM's summary: {_esc(n)}</h3><pre>{_esc(r.stats.srilm_text())}</pre>"
            for n, r in zip(names, reports)]
    out.append(f"<div class='charts'><figure>{_ppl_histogram(list(zip(names, ppls)))}<figcaption>Sentences by "
               "perplexity</figcaption></figure></div></section>")

    # the worst sentences of each model, then (with two models) those the second helps and hurts most
    chosen = []
    for ppl in ppls:
        order = np.argsort(-np.nan_to_num(ppl, nan=-np.inf), kind="stable")
        chosen.append([int(s) for s in order[:worst] if np.isfinite(ppl[s])])
    delta = comparable = None
    if len(reports) == 2:
        a, b = reports
        same = np.isfinite(a.token_logprob) == np.isfinite(b.token_logprob)
        starts = a.sentence_offsets[:-1]
        comparable = np.logical_and.reduceat(same, starts) if len(same) else np.zeros(0, bool)
        delta = b.sentence_logprob - a.sentence_logprob
        ranked = np.flatnonzero(comparable)[np.argsort(delta[comparable], kind="stable")]
        hurt = [int(s) for s in ranked[:worst] if delta[s] < 0]
        helped = [int(s) for s in ranked[::-1][:worst] if delta[s] > 0]
        chosen += [hurt, helped]
    surfaces = sentence_surfaces(text, scorers[0], {s for group in chosen for s in group})

    out.append("<section><h2>The worst sentences</h2>" + _legend(highest))
    for i, (name, report, ppl) in enumerate(zip(names, reports, ppls)):
        if len(reports) > 1:
            out.append(f"<h3>{_esc(name)}</h3>")
        for s in chosen[i]:
            out.append(_sentence_html(surfaces[s], *_sentence_tokens(report, s), highest,
                                      _sentence_meta(report, s, ppl)))
    out.append("</section>")

    if delta is not None:
        out.append(f"<section><h2>{_esc(names[1])} against {_esc(names[0])}, sentence by sentence</h2>")
        better = int(((delta > 0) & comparable).sum())
        worse = int(((delta < 0) & comparable).sum())
        out.append(f"<p>Of {len(delta)} sentences, {int(comparable.sum())} have the same words scored by both "
                   f"models (the others differ in OOVs or zero probabilities and are left out here): "
                   f'{_esc(names[1])} gives <span data-stat="helped">{better}</span> of them a higher '
                   f'probability and <span data-stat="hurt">{worse}</span> a lower one.</p>')
        if comparable.any():
            out.append(f"<div class='charts'><figure>{_difference_histogram(delta[comparable], names)}"
                       "<figcaption>Difference in sentence log10 probability</figcaption></figure></div>")
        for title, group in ((f"Helped most by {names[1]}", chosen[3]), (f"Hurt most by {names[1]}", chosen[2])):
            out.append(f"<h3>{_esc(title)}</h3>")
            for s in group:
                out.append(f'<div class="pair" data-delta="{_g(delta[s])}">')
                for name, report, ppl in zip(names, reports, ppls):
                    out.append("<div>" + _sentence_html(surfaces[s], *_sentence_tokens(report, s), highest,
                                                        f"{_esc(name)} · " + _sentence_meta(report, s, ppl))
                               + "</div>")
                out.append("</div>")
        out.append("</section>")

    out.append("<section><h2>Most frequent OOV words</h2>")
    for name, report in zip(names, reports):
        top = list(report.oov_words.items())[:oov_top]
        if len(reports) > 1:
            out.append(f"<h3>{_esc(name)}</h3>")
        if not top:
            out.append("<p>None: every word of the text is in the vocabulary.</p>")
            continue
        rows = "".join(f'<tr><td>{_esc(w)}</td><td class="num" data-stat="oov-count">{n}</td></tr>'
                       for w, n in top)
        out.append(f"<p>{len(report.oov_words)} distinct OOV words; the {len(top)} most frequent:</p>"
                   f"<table><tr><th>word</th><th class='num'>occurrences</th></tr>{rows}</table>")
    out.append("</section>")
    return "".join(out)


def write_report(output, model_path, **options):
    """Build the report (see `build_report`) and write it to `output`."""
    page = build_report(model_path, **options)
    with atomic_output(output, text=True) as out:
        out.write(page)
    return page
