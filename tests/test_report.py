"""`ngramkit report`: its numbers against SRILM's `ngram -ppl` outputs, and the page in a real
browser (headless Chromium): rendered without console errors or network fetches, and a
screenshot that is not blank."""

import base64
import gzip
import html
import json
import re
import shutil
import subprocess
import time
from collections import Counter
from html.parser import HTMLParser

import numpy as np
import pytest
from conftest import REFERENCE

from ngramkit.arpa import read_arpa
from ngramkit.cli.main import main
from ngramkit.report import ModelFacts, _model_section, build_report, write_report

pytest.importorskip("matplotlib")

EN = REFERENCE / "en" / "srilm"
MKN3, GT3 = EN / "mkn3.arpa.gz", EN / "gt3-cut.arpa.gz"


class Stats(HTMLParser):
    """Text of every element with a data-stat attribute: [(stat, model, sentence, text)]."""

    def __init__(self, page):
        super().__init__()
        self.found, self._open = [], []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self._open.append((attrs.get("data-stat"), attrs.get("data-model"), attrs.get("data-sentence"), []))

    def handle_endtag(self, tag):
        stat, model, sentence, text = self._open.pop()
        if stat:
            self.found.append((stat, model, sentence, "".join(text)))
        if self._open:
            self._open[-1][3].extend(text)

    def handle_data(self, data):
        if self._open:
            self._open[-1][3].append(data)

    def get(self, stat, model=None):
        return [text for s, m, _, text in self.found if s == stat and (model is None or m == model)]


def srilm_totals(path):
    """SRILM's summary: {sentences, words, oovs, zeroprobs, logprob, ppl, ppl1} as printed."""
    text = path.read_text()
    m = re.search(r"(\d+) sentences, (\d+) words, (\d+) OOVs\n(\d+) zeroprobs, logprob= (\S+) ppl= (\S+) ppl1= (\S+)",
                  text)
    return dict(zip(("sentences", "words", "oovs", "zeroprobs", "logprob", "ppl", "ppl1"), m.groups()))


def srilm_sentences(path):
    """Per sentence of a -debug 1 output: (text, logprob, ppl) as printed."""
    blocks = path.read_text().split("\n\n")
    out = []
    for block in blocks:
        lines = block.strip("\n").splitlines()
        if len(lines) == 3 and lines[1].startswith("1 sentences"):
            m = re.search(r"logprob= (\S+) ppl= (\S+)", lines[2])
            out.append((lines[0], m.group(1), m.group(2)))
    return out


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    where = tmp_path_factory.mktemp("text")
    with gzip.open(REFERENCE / "en" / "test.txt.gz", "rb") as f:
        data = f.read()
    (where / "test.txt").write_bytes(data)
    (where / "test20.txt").write_bytes(b"".join(data.splitlines(keepends=True)[:20]))
    return where


def test_totals_match_ngram_ppl(texts):
    page = build_report(str(MKN3), text=str(texts / "test.txt"), quiet=True)
    stats = Stats(page)
    for key, value in srilm_totals(EN / "mkn3.ppl0.txt").items():
        assert stats.get(key) == [value], key
    reference = srilm_totals(EN / "mkn3.ppl0.txt")
    assert stats.get("oov-rate") == [f"{100 * int(reference['oovs']) / int(reference['words']):.3f}%"]
    # cross-entropy: -logprob / (words - OOVs - zeroprobs + sentences) * log2(10)
    scored = int(reference["words"]) - int(reference["oovs"]) + int(reference["sentences"])
    assert stats.get("bits") == [f"{-float(reference['logprob']) / scored * np.log2(10):.5g}"]
    model = read_arpa(MKN3)
    assert stats.get("ngrams-2") == [f"{len(model.ngrams[1]):,}"]
    with gzip.open(MKN3, "rt") as f:
        header = f.read(200)
    unigrams = int(re.search(r"ngram 1=(\d+)", header).group(1))
    assert stats.get("ngrams-1") == [f"{unigrams:,}"]


def test_worst_sentences_are_srilms_sentences_with_their_ppl_and_words(texts):
    page = build_report(str(MKN3), text=str(texts / "test20.txt"), worst=5, quiet=True)
    reference = srilm_sentences(EN / "mkn3.ppl1.txt")
    assert len(reference) == 20
    shown = [(int(s), text) for stat, _, s, text in Stats(page).found if stat == "sentence-ppl"]
    by_ppl = sorted(range(20), key=lambda i: -float(reference[i][2]))
    assert [s for s, _ in shown] == by_ppl[:5]
    for s, ppl in shown:
        assert ppl == reference[s][2]
    # each shown word, with its n-gram order and log10 p, is SRILM's -debug 2 line for it
    debug2 = (EN / "mkn3.ppl2.txt").read_text().split("\n\n")
    worst = by_ppl[0]
    lines = [line for line in debug2[worst].splitlines() if line.startswith("\tp( ")]
    expected = []
    for line in lines:
        m = re.match(r"\tp\( (\S+) \| .*\[(OOV|\d+gram)\] \S+ \[ (\S+) \]", line)
        expected.append((m.group(1), m.group(2), m.group(3)))
    sentence = page[page.index(f'data-sentence="{worst}"'):]
    sentence = sentence[:sentence.index("</div>")]
    words = re.findall(r'title="(OOV|log10 p = (\S+), (\d)-gram)">([^<]+)<sub>', sentence)
    text_words = reference[worst][0].split() + ["</s>"]
    words = [(title, lp, k, html.unescape(word)) for title, lp, k, word in words]
    assert [w for *_, w in words] == text_words
    assert len(words) == len(expected)
    for (title, lp, k, word), (ref_word, ref_order, ref_lp) in zip(words, expected):
        if ref_order == "OOV":
            assert title == "OOV" and ref_word == "<unk>"
        else:
            assert (word, f"{k}gram", lp) == (ref_word, ref_order, ref_lp)


def test_most_frequent_oovs_are_counted_from_the_text(texts):
    page = build_report(str(MKN3), text=str(texts / "test.txt"), quiet=True)
    vocab = set(read_arpa(MKN3).vocab.words)
    counts = Counter(w for line in (texts / "test.txt").read_text().splitlines() for w in line.split()
                     if w not in vocab)
    assert sum(counts.values()) == int(srilm_totals(EN / "mkn3.ppl0.txt")["oovs"])
    shown = Stats(page).get("oov-count")
    assert [int(n) for n in shown] == sorted(counts.values(), reverse=True)[:len(shown)]
    top_word, top_count = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert f"<tr><td>{top_word}</td><td class=\"num\" data-stat=\"oov-count\">{top_count}</td></tr>" in page


def test_second_model_side_by_side_and_per_sentence(texts):
    page = build_report(str(MKN3), text=str(texts / "test20.txt"), vs=str(GT3), quiet=True)
    stats = Stats(page)
    for model, name in (("0", "mkn3"), ("1", "gt3-cut")):
        sentences = srilm_sentences(EN / f"{name}.ppl1.txt")
        logprob = sum(float(lp) for _, lp, _ in sentences)
        assert float(stats.get("logprob", model)[0]) == pytest.approx(logprob, abs=1e-3)
    a, b = srilm_sentences(EN / "mkn3.ppl1.txt"), srilm_sentences(EN / "gt3-cut.ppl1.txt")
    # both models have the same vocabulary here, so every sentence is comparable
    helped = sum(float(y[1]) > float(x[1]) for x, y in zip(a, b))
    hurt = sum(float(y[1]) < float(x[1]) for x, y in zip(a, b))
    assert stats.get("helped") == [str(helped)] and stats.get("hurt") == [str(hurt)]
    assert helped + hurt == 20


def test_pruning_curve_point_is_srilms_pruned_model(texts):
    page = build_report(str(MKN3), text=str(texts / "test.txt"), prune=True, thresholds=[1e-6], quiet=True)
    ppls = Stats(page).get("prune-ppl")
    assert ppls == [srilm_totals(EN / "mkn3.ppl0.txt")["ppl"], srilm_totals(EN / "prune-mkn3-1e-6.ppl0.txt")["ppl"]]


def test_estimation_details_when_the_model_carries_them():
    model = read_arpa(REFERENCE / "en" / "fst" / "tiny.arpa.gz")
    model.estimation = [
        {"order": 1, "method": "modified Kneser-Ney", "interpolate": True, "min_count": 1,
         "discounts": [0.5, 1.0, 1.5], "count_of_counts": [900, 300, 120, 60]},
        {"order": 2, "method": "modified Kneser-Ney", "interpolate": True, "min_count": 1,
         "discounts": [0.7, 1.1, 1.4], "count_of_counts": [5000, 900, 300, 150]},
        {"order": 3, "method": "Witten-Bell"},
    ]
    section = _model_section(ModelFacts.of(model, REFERENCE / "en" / "fst" / "tiny.arpa.gz"), "mkn3")
    assert "<td>modified Kneser-Ney</td><td>yes</td><td>1</td><td>0.7 1.1 1.4</td>" in section
    assert "<td>3</td><td>Witten-Bell</td><td></td><td></td><td></td>" in section
    assert section.count("<svg") == 1 and "order 2" in section  # the counts-of-counts chart and its legend
    model.estimation = None
    assert "<svg" not in _model_section(ModelFacts.of(model, REFERENCE / "en" / "fst" / "tiny.arpa.gz"), "mkn3")


def test_report_command(cli, texts, tmp_path):
    out = tmp_path / "r.html"
    status, _, err = cli(main, ["report", MKN3, "--text", texts / "test20.txt", "-o", out, "-q"])
    assert status == 0 and err == ""
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing fetched
    status, _, err = cli(main, ["report", MKN3, "--prune-curve", "-o", tmp_path / "x.html"])
    assert status == 2 and "needs a text" in err and not (tmp_path / "x.html").exists()


# -- in a real browser -----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


class Browser:
    """Headless Chromium driven over the DevTools protocol."""

    def __init__(self, tmp_path, width, height):
        import websocket

        # port 0: Chromium picks a free port and names it in DevToolsActivePort (no race with other
        # test processes); a start that fails under load is tried again
        import urllib.request

        for attempt in range(3):
            profile = tmp_path / f"profile{attempt}"
            self.process = subprocess.Popen(
                [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
                 "--remote-debugging-address=127.0.0.1", f"--window-size={width},{height}", "about:blank"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            page = None
            deadline = time.time() + 60
            while page is None and time.time() < deadline and self.process.poll() is None:
                try:
                    port = (profile / "DevToolsActivePort").read_text().split()[0]
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=2) as r:
                        page = next(t for t in json.load(r) if t["type"] == "page")
                except Exception:
                    time.sleep(0.2)
            if page is not None:
                break
            self.close()
        else:
            pytest.fail("headless Chromium did not start")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.events = []
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)

    def open(self, url):
        self.call("Page.navigate", url=url)
        deadline = time.time() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            assert time.time() < deadline, "the page did not load"
            self.events.append(json.loads(self.ws.recv()))

    def errors(self):
        """Console errors, uncaught exceptions and failed loads seen so far."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(params["exceptionDetails"].get("text"))
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(str(params.get("args")))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(params["entry"]["text"])
            elif method == "Network.loadingFailed":
                found.append(f"failed load: {params.get('errorText')}")
        return found

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def screenshot(self):
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])

    def close(self):
        if getattr(self, "ws", None):
            self.ws.close()
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs the Debian package chromium)")
    pytest.importorskip("websocket", reason="websocket-client is not installed (the test extra)")
    made = Browser(tmp_path, 1280, 900)
    yield made
    made.close()


def test_the_harness_sees_console_errors(browser, tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><p>x</p><script>console.error('seen'); undefinedCall();</script>"
                    "</body></html>")
    browser.open(page.as_uri())
    errors = browser.errors()
    assert any("seen" in e for e in errors) and any("Uncaught" in (e or "") for e in errors)


def test_report_renders_offline_without_errors(browser, texts, tmp_path):
    import matplotlib.image

    out = tmp_path / "report.html"
    write_report(str(out), str(MKN3), text=str(texts / "test20.txt"), vs=str(GT3), quiet=True)
    browser.open(out.as_uri())
    assert browser.errors() == []
    assert browser.requests() == [out.as_uri()]  # the page itself, nothing else
    shot = tmp_path / "shot.png"
    shot.write_bytes(browser.screenshot())
    pixels = matplotlib.image.imread(str(shot))[..., :3]
    assert pixels.shape[:2] == (900, 1280)
    dark = (pixels.mean(axis=2) < 0.4).mean()
    assert 0.01 < dark < 0.5  # text and tables drawn, not a blank or black page
    assert len(np.unique((pixels * 255).astype(np.uint8).reshape(-1, 3), axis=0)) > 50  # shading, charts
