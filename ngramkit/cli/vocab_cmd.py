"""`ngramkit vocab`: vocabularies for ASR recipes and OOV rates."""

import click

from ..errors import UsageError
from ..textio import atomic_output
from ..wordlist import count_words, oov_stats, read_word_list, top_words
from .common import run


@click.command("vocab")
@click.option("--counts", "count_paths", multiple=True, help="Count file(s); unigram counts are used.")
@click.option("--text", "text_paths", multiple=True, help="Text file(s) to count words in.")
@click.option("--lexicon", default=None, help="Word list, Kaldi words.txt or lexicon.txt.")
@click.option("--top", "limit", type=click.IntRange(min=1), default=None,
              help="Keep the N most frequent words (ties in byte order).")
@click.option("--write", "output", default=None,
              help="Vocabulary file to write, one word per line [default: stdout, unless --oov-text].")
@click.option("--oov-text", "oov_paths", multiple=True,
              help="Report the OOV rate of this text (tokens and types) against the vocabulary.")
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def vocab(count_paths, text_paths, lexicon, limit, output, oov_paths, encoding, quiet):
    """Write a vocabulary: the top-N words of counts or text, or a lexicon's words.

    Words by count are listed most frequent first; <s> and </s> are not words.
    """

    def body():
        if bool(lexicon) == bool(count_paths or text_paths):
            raise UsageError("give --counts/--text or --lexicon")
        if lexicon:
            if limit is not None:
                raise UsageError("--top needs --counts or --text")
            words = sorted(read_word_list(lexicon, encoding))
        else:
            words = top_words(*count_words(count_paths, text_paths, encoding, quiet), limit)
        if output is not None or not oov_paths:
            with atomic_output(output or "-", text=True) as out:
                out.write("".join(word + "\n" for word in words))
        if oov_paths:
            click.echo("OOV: " + oov_stats(oov_paths, set(words), encoding, quiet).report())

    run("ngramkit vocab", body)


COMMANDS = [vocab]
