"""`ngramkit segment` and `ngramkit normalize`: raw text to LM training text."""

import click

from ..errors import UsageError
from ..normalize import NormalizeOptions
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
               remove_urls):
    if no_normalize:
        return None
    return NormalizeOptions(halfwidth=not keep_fullwidth, lowercase=not keep_case,
                            remove_punctuation=not keep_punctuation, zh_numbers=zh_numbers,
                            join_cjk=join_cjk, remove_urls=remove_urls)


@click.command("segment")
@_normalize_options
@click.option("--chars", is_flag=True, help="One token per character (Latin words and numbers whole).")
@click.option("--lexicon", default=None,
              help="Word list, Kaldi words.txt or lexicon.txt: segment into these words only, "
                   "other text into single characters.")
@click.option("--user-words", default=None,
              help="Word list added to jieba's default dictionary.")
def segment(input_path, output, chars, lexicon, user_words, encoding, workers, quiet, **normalize):
    """Segment raw Chinese text into words with jieba, one output line per input line.

    Text is normalised first: full-width to half-width, Latin lowercased,
    punctuation and symbols removed as separators. For Chinese ASR text add
    --zh-numbers --join-cjk --remove-urls: numbers in spoken form, no stray
    spaces inside Chinese, no addresses.
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
def normalize(input_path, output, encoding, workers, quiet, **normalize_flags):
    """Normalise raw text for an LM without segmenting it (for text written with spaces)."""

    def body():
        options = SegmentOptions(split="none", normalize=_normalize(**normalize_flags))
        segment_file(input_path, output, options, workers, encoding, quiet)

    run("ngramkit normalize", body)


COMMANDS = [segment, normalize]
