"""Normalising raw text for a language model, as ASR recipes do it.

Full-width ASCII forms and the ideographic space become their half-width
forms, Latin capitals become small letters, and punctuation and symbols
(Chinese and ASCII) become word separators; invisible format characters
(zero-width spaces, byte-order marks) are dropped. Numbers stay whole: a
decimal point between digits is kept and a thousands separator is dropped,
so "1,000.5" stays one number. A word-internal apostrophe ("don't") is kept.

Options for Chinese recipes: numbers read out in Chinese characters (a year
of 2 or 4 digits digit by digit, "1998年" -> "一九九八年"; "87.6%" ->
"百分之八十七点六"), spaces between two Chinese characters dropped (raw
Chinese text has stray ones), and URLs and e-mail addresses removed.

English options for LM text (the code: `_read_en_number`, `_acronym` and
`_sentence_end`):

- numbers read out in English words, with num2words: cardinals without "and"
  ("150,000" -> "one hundred fifty thousand"; `number_and` gives "one hundred
  and fifty thousand"), a bare four-digit number from 1100 to 2099 as a year
  ("1998" -> "nineteen ninety eight", "2005" -> "two thousand and five",
  "1840s" -> "eighteen forties"; "2,800" is a cardinal), ordinals ("21st",
  "5TH", the old "3d"), decimals digit by digit after "point", percentages,
  $ £ € amounts ("$5.50" -> "five dollars fifty cents") and times ("10:30" ->
  "ten thirty", "9:05" -> "nine oh five", "9:00" -> "nine o'clock"). A
  number with a leading zero or more than 15 digits is read digit by digit.
  Digits glued to letters are read as a word of their own ("B52" -> "b fifty
  two"). "&" is read "and". Roman numerals stay as written.
- abbreviations keep their letters and lose the dot ("Mr." -> "mr", "etc." ->
  "etc"); dotted acronyms become their letters ("A.D." -> "a d"). An acronym
  is a run of two or more capitals, or of letters with dots, in a line that
  also holds small letters or Chinese characters (so that a heading in capitals
  is not taken for one); `acronyms="letters"` spells every acronym letter by
  letter ("GPU" -> "g p u"), `acronyms="whole"` keeps each as one word ("A.I."
  -> "ai"), the default keeps them as written.
- sentence splitting: a line is cut after ".", "!", "?" or "…" (and closing
  quotes or brackets) followed by a space and a capital letter, digit or
  opening quote, unless the "." ends a known abbreviation ("Mr.", "St."), a
  single letter other than "I" (an initial) or a dotted acronym; and after
  "。", "！", "？" (and closing quotes) anywhere. Empty lines are then dropped.

With both `zh_numbers` and `en_numbers` (code-switched Chinese text) each
number is read in the language of its neighbours: in English when a Latin
letter touches it ("iPhone12", "5G"), else in Chinese when the nearest
character on either side (past spaces) is Chinese ("3个GPU", "GPU 3个"), else in
English when that character is a Latin letter ("version 3"), else in Chinese.
A Chinese reading follows the Chinese rules above, with times ("10:30" ->
"十点三十分") and currency ("$500" -> "五百美元") added.

Everything works on whole blocks of lines at once: one `str.translate` table
built from the chosen options, then a few compiled regexes; only matches (a
number, an acronym, a sentence end) call back into Python.
"""

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache, partial

from num2words import num2words

IDEOGRAPHIC_SPACE = "\u3000"
_FULLWIDTH_FIRST, _FULLWIDTH_LAST = 0xFF01, 0xFF5E  # full-width forms of '!' .. '~'
_FULLWIDTH_OFFSET = 0xFF01 - 0x21
_APOSTROPHES = "\u2018\u2019"  # typographic single quotes, also used as apostrophes

# '.', ',', "'" and '%' are decided by context below, so the table leaves them alone.
_CONTEXTUAL = ".,'%"
_LATIN = "A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u024F"
# Each pattern starts with a character class, so that the regex engine skips
# ahead to candidates instead of trying every position.
_THOUSANDS_SEPARATOR = re.compile(r",(?<=[0-9],)(?=[0-9]{3}(?![0-9]))")
_STRAY_MARKS = re.compile(
    rf"\.(?:(?<![0-9]\.)|(?![0-9]))|[,%]|'(?:(?<![{_LATIN}]')|(?![{_LATIN}]))"
)
_URL_OR_EMAIL = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[!-~]+|www\.[!-~]+|[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
)
_CJK = "\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\U00020000-\U0003134F"
_SPACE_BETWEEN_CJK = re.compile(f" (?<=[{_CJK}] )(?=[{_CJK}])")
_NUMBER = re.compile(r"([0-9]+)(?:\.([0-9]+))?(%|(?=年))?")
_BLANKS = re.compile(r"[^\S\n]+")
_LINE_EDGE_BLANKS = re.compile(r" (?:(?<![^\n] )|(?=\n)|\Z)")


@dataclass(frozen=True)
class NormalizeOptions:
    halfwidth: bool = True  # full-width ASCII and U+3000 to their half-width forms
    lowercase: bool = True  # Latin capitals to small letters
    remove_punctuation: bool = True  # punctuation and symbols become separators
    zh_numbers: bool = False  # numbers read out in Chinese characters
    join_cjk: bool = False  # no spaces between two Chinese characters
    remove_urls: bool = False  # URLs and e-mail addresses removed
    en_numbers: bool = False  # numbers read out in English words (with zh_numbers: by neighbours)
    number_and: bool = False  # "one hundred and fifty" rather than "one hundred fifty"
    acronyms: str = "as-written"  # or "letters" ("g p u") or "whole" ("ai" for "A.I.")
    split_sentences: bool = False  # one sentence per line, empty lines dropped

    def __post_init__(self):
        if self.acronyms not in ACRONYM_MODES:
            raise ValueError(f"acronyms must be one of {', '.join(ACRONYM_MODES)}, not {self.acronyms!r}")


ACRONYM_MODES = ("as-written", "letters", "whole")


_ZH_DIGITS = "零一二三四五六七八九"
_ZH_DIGIT_TABLE = str.maketrans("0123456789", _ZH_DIGITS)
_ZH_GROUP_UNITS = ("", "万", "亿", "万亿")


def _zh_digits(digits):
    return digits.translate(_ZH_DIGIT_TABLE)


def _zh_below_10000(group):
    """Reading of a 4-digit group ('0705' -> '七百零五'), zeros inside collapsed to one 零."""
    out = []
    pending_zero = False
    for digit, unit in zip(group.rjust(4, "0"), ("千", "百", "十", "")):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_ZH_DIGITS[int(digit)] + unit)
    return "".join(out)


def zh_integer(digits):
    """Chinese reading of a digit string: cardinal ('5010' -> '五千零一十'), or digit by
    digit when it has a leading zero or is too long to read as a number."""
    if len(digits) > 1 and digits[0] == "0" or len(digits) > 16:
        return _zh_digits(digits)
    if int(digits) == 0:
        return "零"
    groups = []
    for end in range(len(digits), 0, -4):
        groups.append(digits[max(0, end - 4):end])
    out = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if int(group) == 0:
            need_zero = bool(out)
            continue
        if out and (need_zero or group[0] == "0" or len(group) < 4):
            out.append("零")
        out.append(_zh_below_10000(group) + _ZH_GROUP_UNITS[index])
        need_zero = False
    text = "".join(out)
    # 10-19 are read 十, 十一, ... when they start the number.
    return text[1:] if text.startswith("一十") else text


def _zh_reading(integer, fraction=None, percent=False, before_year=False):
    if before_year and fraction is None and len(integer) in (2, 4):
        return _zh_digits(integer)  # a year
    reading = zh_integer(integer) + ("点" + _zh_digits(fraction) if fraction else "")
    return "百分之" + reading if percent else reading


def _zh_number(match):
    integer, fraction, suffix = match.groups()
    return _zh_reading(integer, fraction, suffix == "%", suffix == "")


@lru_cache(maxsize=1)
def _chars_by_role():
    """(punctuation and symbols to separate on, format characters to drop)."""
    separators, invisible = [], []
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category[0] in "PS" and chr(code) not in _CONTEXTUAL:
            separators.append(chr(code))
        elif category == "Cf":
            invisible.append(chr(code))
    return separators, invisible


def _latin_capitals():
    for code in range(0x250):
        char = chr(code)
        if unicodedata.category(char) == "Lu" and len(char.lower()) == 1:
            yield char


@lru_cache(maxsize=8)
def translation_table(options):
    """The one str.translate table that does every per-character step of `options`."""
    table = {}
    if options.remove_punctuation:
        separators, invisible = _chars_by_role()
        for char in separators:
            table[ord(char)] = " "
        for char in invisible:
            table[ord(char)] = None
        for char in _APOSTROPHES:
            table[ord(char)] = "'"
    if options.lowercase:
        for char in _latin_capitals():
            table[ord(char)] = char.lower()
    if options.halfwidth:
        table[ord(IDEOGRAPHIC_SPACE)] = " "
        for code in range(_FULLWIDTH_FIRST, _FULLWIDTH_LAST + 1):
            half = chr(code - _FULLWIDTH_OFFSET)
            # A full-width character then goes through the same steps as its half-width form.
            table[code] = table.get(ord(half), half)
    return table


@lru_cache(maxsize=8)
def _context_table(halfwidth):
    """The steps of translation_table that the English rules need done first: case and
    punctuation stay, since sentence ends, acronyms and number signs are read from them."""
    table = dict(translation_table(NormalizeOptions(halfwidth=halfwidth, lowercase=False,
                                                    remove_punctuation=False)))
    for char in _chars_by_role()[1]:
        table[ord(char)] = None
    for char in _APOSTROPHES:
        table[ord(char)] = "'"
    return table


# --- English numbers -------------------------------------------------------

_EN_NUMBER = re.compile(
    r"(?P<currency>[$£€])?"
    r"(?P<integer>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)"
    r"(?:(?P<minutes>:[0-9]{2}(?![0-9]))|\.(?P<fraction>[0-9]+))?"
    r"(?P<suffix>%|(?i:st|nd|rd|th|d|s)(?![A-Za-z]))?"
)
_EN_DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_CURRENCIES = {  # sign: (unit, units, hundredth, hundredths)
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
}
_ZH_CURRENCIES = {"$": "美元", "£": "英镑", "€": "欧元"}
_AM_PM_AHEAD = re.compile(r"[^\S\n]*[AaPp]\.?[Mm](?![A-Za-z])")
_MAX_CARDINAL_DIGITS = 15


@lru_cache(maxsize=1 << 14)
def _en_words(number, to="cardinal", number_and=False):
    words = num2words(number, lang="en", to=to).replace("-", " ").replace(",", "")
    if not number_and and to != "year":
        words = words.replace(" and ", " ")
    return words


def _en_digits(digits):
    return " ".join(_EN_DIGITS[int(d)] for d in digits)


def _en_integer(digits, number_and):
    if len(digits) > 1 and digits[0] == "0" or len(digits) > _MAX_CARDINAL_DIGITS:
        return _en_digits(digits)
    return _en_words(int(digits), "cardinal", number_and)


def _plural(words):
    """'eighteen forty' -> 'eighteen forties', 'nineteen hundred' -> 'nineteen hundreds'."""
    head, _, last = words.rpartition(" ")
    last = last[:-1] + "ies" if last.endswith("y") else last + ("es" if last.endswith("x") else "s")
    return f"{head} {last}" if head else last


def _is_year(digits):
    return len(digits) == 4 and 1100 <= int(digits) <= 2099


def _read_en_number(match, number_and=False):
    """English reading of one _EN_NUMBER match (see the module docstring for the rules)."""
    currency, integer, minutes, fraction, suffix = match.group(
        "currency", "integer", "minutes", "fraction", "suffix")
    digits = integer.replace(",", "")
    suffix = (suffix or "").lower()
    plain = currency is None and minutes is None and fraction is None
    if currency is not None:
        words = _en_currency(currency, digits, fraction, number_and)
    elif minutes is not None:
        words = _en_time(digits, minutes[1:], match, number_and)
    else:
        words = _en_integer(digits, number_and)
        if fraction is not None:
            words += " point " + _en_digits(fraction)
    if suffix == "%":
        return f" {words} percent "
    if suffix in ("st", "nd", "rd", "th") or suffix == "d" and digits[-1] in "23" and digits[-2:-1] != "1":
        if plain and len(digits) <= _MAX_CARDINAL_DIGITS:
            return f" {_en_words(int(digits), 'ordinal', number_and)} "
        return f" {words} {suffix} "
    if plain and integer == digits and _is_year(digits):
        words = _en_words(int(digits), "year")
    if suffix == "s" and plain and (_is_year(digits) or len(digits) == 2 and digits[1] == "0"):
        return f" {_plural(words)} "  # a decade: "1840s", "80s"
    return f" {words} {suffix} " if suffix else f" {words} "


def _en_currency(sign, digits, fraction, number_and):
    unit, units, hundredth, hundredths = _CURRENCIES[sign]
    major = _en_integer(digits, number_and)
    if fraction is not None and len(fraction) != 2:
        return f"{major} point {_en_digits(fraction)} {units}"
    words = [] if fraction is not None and int(digits) == 0 else [major, unit if digits == "1" else units]
    if fraction is not None and int(fraction) > 0:
        words += [_en_integer(str(int(fraction)), number_and), hundredth if fraction == "01" else hundredths]
    return " ".join(words or [major, units])


def _en_time(hours, minutes, match, number_and):
    hour_words = _en_integer(hours, number_and)
    if int(hours) > 24 or int(minutes) > 59:
        return f"{hour_words} {_en_integer(minutes, number_and)}"  # not a time: a ratio, a verse
    if minutes == "00":
        return hour_words if _AM_PM_AHEAD.match(match.string, match.end()) else f"{hour_words} o'clock"
    if minutes[0] == "0":
        return f"{hour_words} oh {_EN_DIGITS[int(minutes[1])]}"
    return f"{hour_words} {_en_words(int(minutes))}"


def _zh_time(hours, minutes):
    reading = zh_integer(hours) + "点"
    if minutes == "00":
        return reading
    return reading + ("零" + _zh_digits(minutes[1]) if minutes[0] == "0" else zh_integer(minutes)) + "分"


def _read_zh_number(match):
    """Chinese reading of an _EN_NUMBER match that stands among Chinese characters."""
    currency, integer, minutes, fraction, suffix = match.group(
        "currency", "integer", "minutes", "fraction", "suffix")
    digits = integer.replace(",", "")
    if minutes is not None and int(digits) <= 24 and int(minutes[1:]) <= 59:
        return _zh_time(digits, minutes[1:])
    before_year = integer == digits and match.string.startswith("年", match.end())
    reading = _zh_reading(digits, fraction, suffix == "%", before_year)
    if minutes is not None:
        reading += " " + zh_integer(minutes[1:])
    return reading + _ZH_CURRENCIES[currency] if currency else reading


_LATIN_CHAR = re.compile(f"[{_LATIN}]")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_NEIGHBOUR_REACH = 8  # spaces looked past for a number's neighbour


def _read_number_by_neighbours(match, number_and=False):
    text, start, end = match.string, match.start(), match.end()
    # Neighbours are looked for within the line, so that how a file is cut into pieces
    # cannot change a reading.
    before = text[max(0, start - _NEIGHBOUR_REACH):start].rpartition("\n")[2]
    after = text[end:end + _NEIGHBOUR_REACH].partition("\n")[0]
    if _LATIN_CHAR.match(before[-1:]) or _LATIN_CHAR.match(after[:1]):
        return _read_en_number(match, number_and)
    before, after = before.rstrip()[-1:], after.lstrip()[:1]
    if _CJK_CHAR.match(before) or _CJK_CHAR.match(after):
        return _read_zh_number(match)
    if _LATIN_CHAR.match(before) or _LATIN_CHAR.match(after):
        return _read_en_number(match, number_and)
    return _read_zh_number(match)


# --- acronyms ----------------------------------------------------------------

_ACRONYM = re.compile(
    r"(?<![A-Za-z0-9.])(?P<dotted>[A-Za-z](?:\.[A-Za-z])+\.?)(?![A-Za-z0-9])"
    r"|(?<![A-Za-z])(?<![A-Za-z]')(?P<capitals>[A-Z]{2,})(?!'?[A-Za-z])"  # not DON'T, GPU's
)
_NOT_A_HEADING = re.compile(f"[a-z{_CJK}]")


def _acronym(match, mode):
    dotted = match.group("dotted")
    if dotted is not None:
        letters = dotted.replace(".", "")
    else:
        text, start = match.string, match.start()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", start)
        if not _NOT_A_HEADING.search(text, line_start, len(text) if line_end < 0 else line_end):
            return match.group()  # a line in capitals: words, not acronyms
        letters = match.group("capitals")
    return f" {' '.join(letters)} " if mode == "letters" else f" {letters} "


# --- sentences ---------------------------------------------------------------

# Words whose "." does not end a sentence (compared in small letters).
ABBREVIATIONS = frozenset(
    "mr mrs ms messrs mme mlle dr st mt capt col gen lt sgt cmdr adm rev prof hon gov sen rep pres "
    "jr sr esq vs viz cf no nos vol vols ch fig figs pp art".split())
_SENTENCE_END = re.compile(
    r"(?P<end>[.!?…]+[\"')\]”’»]*)[^\S\n]+(?=[\"'(\[“‘«]*[A-Z0-9\u00C0-\u00DE])"
    rf"|(?P<zh_end>(?:。|(?<=[{_CJK}])[!?])[。!?\"”’」』)]*)[^\S\n]*(?=\S)"
)
_INITIAL_OR_ACRONYM = re.compile(r"[A-HJ-Za-z]|[A-Za-z](?:\.[A-Za-z])+")
_WORD_REACH = 40  # longest word looked at before a "."


def _sentence_end(match):
    end = match.group("end")
    if end is None:
        return match.group("zh_end") + "\n"
    if end.startswith(".") and not end.startswith(".."):
        text, start = match.string, match.start()
        word_start = max(text.rfind(" ", max(0, start - _WORD_REACH), start),
                         text.rfind("\n", max(0, start - _WORD_REACH), start)) + 1
        word = text[word_start:start].lstrip("\"'([“‘«")
        if word.lower() in ABBREVIATIONS or _INITIAL_OR_ACRONYM.fullmatch(word):
            return match.group()
    return end + "\n"


_EMPTY_LINES = re.compile(r"(?:\A|(?<=\n))\n+")


def normalize_text(text, options=NormalizeOptions()):
    """Normalise a block of lines; line breaks stay where they are, unless
    `options.split_sentences` puts each sentence on a line of its own.

    Runs of blanks become one space and lines carry no leading or trailing blanks.
    """
    if options.remove_urls:
        text = _URL_OR_EMAIL.sub(" ", text)
    if options.split_sentences or options.en_numbers or options.acronyms != "as-written":
        text = text.translate(_context_table(options.halfwidth))
        if options.split_sentences:
            text = _SENTENCE_END.sub(_sentence_end, text)
        if options.acronyms != "as-written":
            text = _ACRONYM.sub(partial(_acronym, mode=options.acronyms), text)
        if options.en_numbers:
            read = _read_number_by_neighbours if options.zh_numbers else _read_en_number
            text = _EN_NUMBER.sub(partial(read, number_and=options.number_and), text).replace("&", " and ")
    text = text.translate(translation_table(options))
    if options.remove_punctuation:
        text = _THOUSANDS_SEPARATOR.sub("", text)
    if options.zh_numbers:
        text = _NUMBER.sub(_zh_number, text)
    if options.remove_punctuation:
        text = _STRAY_MARKS.sub(" ", text)
    text = _BLANKS.sub(" ", text)
    if options.join_cjk:
        text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _LINE_EDGE_BLANKS.sub("", text)
    return _EMPTY_LINES.sub("", text) if options.split_sentences else text
