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

Everything works on whole blocks of lines at once: one `str.translate` table
built from the chosen options, then a few compiled regexes.
"""

import re
import sys
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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


def _zh_number(match):
    integer, fraction, suffix = match.groups()
    if suffix == "" and fraction is None and len(integer) in (2, 4):
        return _zh_digits(integer)  # a year
    reading = zh_integer(integer) + ("点" + _zh_digits(fraction) if fraction else "")
    return "百分之" + reading if suffix == "%" else reading


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


def normalize_text(text, options=NormalizeOptions()):
    """Normalise a block of lines; line breaks stay where they are.

    Runs of blanks become one space and lines carry no leading or trailing blanks.
    """
    if options.remove_urls:
        text = _URL_OR_EMAIL.sub(" ", text)
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
    return _LINE_EDGE_BLANKS.sub("", text)
