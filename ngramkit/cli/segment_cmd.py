"""`ngramkit segment` and `ngramkit normalize`: raw text to LM training text."""

import click

from ..errors import UsageError
from ..normalize import ACRONYM_MODES, NormalizeOptions
from ..segment import SegmentOptions, segment_file
from ..wordlist import read_word_list
from .common import run


def _normalize_options(func):
    options = [
        click.option("--no-normalize", is_flag=True, help="Take the text as it is."),
        click.option("--keep-fullwidth", is_flag=True, help="Keep full-width ASCII forms."),
        click.option("--keep-case", is_flag=True, help="Keep Latin capitals."),
        click.option("--keep-punctuation", is_flag=True, help="Keep punctuation and symbols."),
        click.option("--zh-numbers", is_flag=True,
                     help="Read numbers out in Chinese characters (1998年 -> 一九九八年)."),
        click.option("--join-cjk", is_flag=True, help="Drop spaces between two Chinese characters."),
        click.option("--remove-urls", is_flag=True, help="Remove URLs and e-mail addresses."),
        click.option("--acronyms", type=click.Choice(ACRONYM_MODES), default="as-written",
                     show_default=True,
                     help="Acronyms (GPU, A.I.) as written, spelled letter by letter (g p u, a i) "
                          "or kept whole (gpu, ai)."),
        click.option("--number-and", is_flag=True,
                     help="English cardinals with 'and' (one hundred and five)."),
        click.option("--encoding", default="utf-8", show_default=True, help="Encoding of the input."),
        click.option("--workers", "-j", default=1, show_default=True, type=click.IntRange(min=1),
                     help="Worker processes."),
        click.option("--quiet", "-q", is_flag=True, help="No progress on stderr."),
        click.option("--output", "-o", default="-", show_default=True,
                     help="Output file (.gz compresses); - for stdout."),
        click.argument("input_path", metavar="INPUT"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _normalize(no_normalize, keep_fullwidth, keep_case, keep_punctuation, zh_numbers, join_cjk,
               remove_urls, acronyms, number_and, en_numbers, split_sentences):
    if no_normalize:
        return None
    return NormalizeOptions(halfwidth=not keep_fullwidth, lowercase=not keep_case,
                            remove_punctuation=not keep_punctuation, zh_numbers=zh_numbers,
                            join_cjk=join_cjk, remove_urls=remove_urls, en_numbers=en_numbers,
                            number_and=number_and, acronyms=acronyms,
                            split_sentences=split_sentences)


@click.command("segment")
@_normalize_options
@click.option("--chars", is_flag=True, help="One token per character (Latin words and numbers whole).")
@click.option("--lexicon", default=None,
              help="Word list, Kaldi words.txt or lexicon.txt: segment into these words only, "
                   "other text into single characters.")
@click.option("--user-words", default=None,
              help="Word list added to jieba's default dictionary.")
@click.option("--en-numbers", is_flag=True,
              help="Read numbers out in English words; with --zh-numbers each number in the "
                   "language of its neighbours (code-switched text).")
@click.option("--split-sentences", is_flag=True,
              help="One sentence per line (cut after 。！？, and after . ! ? before a capital); "
                   "empty lines dropped.")
def segment(input_path, output, chars, lexicon, user_words, encoding, workers, quiet, **normalize):
    """Segment raw Chinese text into words with jieba, one output line per input line.

    Text is normalised first: full-width to half-width, Latin lowercased,
    punctuation and symbols removed as separators. For Chinese ASR text add
    --zh-numbers --join-cjk --remove-urls: numbers in spoken form, no stray
    spaces inside Chinese, no addresses; for Chinese with English words add
    --en-numbers too, and --acronyms as the lexicon spells them.
    """

    def body():
        if chars and (lexicon or user_words):
            raise UsageError("--chars takes no --lexicon or --user-words")
        if lexicon and user_words:
            raise UsageError("give --lexicon or --user-words, not both")
        options = SegmentOptions(
            split="chars" if chars else "words",
            lexicon=tuple(read_word_list(lexicon, encoding)) if lexicon else None,
            user_words=tuple(read_word_list(user_words, encoding)) if user_words else (),
            normalize=_normalize(**normalize))
        segment_file(input_path, output, options, workers, encoding, quiet)

    run("ngramkit segment", body)


@click.command("normalize")
@_normalize_options
@click.option("--keep-lines", is_flag=True,
              help="One output line per input line (empty ones kept), not one per sentence.")
@click.option("--keep-digits", is_flag=True, help="Leave numbers as digits.")
def normalize(input_path, output, encoding, workers, quiet, keep_lines, keep_digits, **normalize_flags):
    """Normalise raw English text for an LM without segmenting it: one sentence per line,
    numbers read out in words, Latin lowercased, punctuation dropped except apostrophes
    inside words; no empty lines."""

    def body():
        flags = dict(normalize_flags, en_numbers=not keep_digits, split_sentences=not keep_lines)
        options = SegmentOptions(split="none", normalize=_normalize(**flags))
        segment_file(input_path, output, options, workers, encoding, quiet)

    run("ngramkit normalize", body)


COMMANDS = [segment, normalize]
