"""Normalize: repair Unicode with ftfy, drop invisible characters, tidy whitespace.

The ftfy configuration is explicit (see ``configs/default.yaml`` -> ``normalize.ftfy``):
mojibake, HTML entities, C1/terminal/control characters and ligatures are fixed; curly
quotes are KEPT (uncurling changes every document and loses information) and full-width
characters are KEPT (converting them rewrites CJK punctuation). After ftfy: zero-width and
bidi control characters are removed (ZWJ/ZWNJ are kept: scripts and emoji need them),
horizontal whitespace (including NBSP) collapses to one space, lines lose trailing spaces,
runs of blank lines collapse to one, and the text is stripped.
"""
import apache_beam as beam
import ftfy
import regex

# Invisible characters that carry no text: zero-width space, word joiner, BOM, soft hyphen,
# bidi embeddings/overrides/isolates and marks.
INVISIBLE_RE = regex.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
HSPACE_RE = regex.compile(r"[^\S\n]+")
BLANK_RUN_RE = regex.compile(r"\n{3,}")
# An ASCII text without these characters cannot be changed by ftfy under our config
# (no entity to unescape, no escape/control char, no CR to convert): ftfy can be skipped.
ASCII_FTFY_TRIGGER_RE = regex.compile(r"[&\x00-\x08\x0b-\x1f\x7f\r]")

DEFAULT_FTFY = {
    "unescape_html": "auto",
    "remove_terminal_escapes": True,
    "fix_encoding": True,
    "restore_byte_a0": True,
    "replace_lossy_sequences": True,
    "decode_inconsistent_utf8": True,
    "fix_c1_controls": True,
    "fix_latin_ligatures": True,
    "fix_character_width": False,
    "uncurl_quotes": False,
    "fix_line_breaks": True,
    "fix_surrogates": True,
    "remove_control_chars": True,
    "normalization": "NFC",
    "max_decode_length": 1000000,
}


def ftfy_config(options=None):
    """Build an ``ftfy.TextFixerConfig`` from DEFAULT_FTFY updated with ``options`` (a dict)."""
    merged = dict(DEFAULT_FTFY)
    merged.update(options or {})
    return ftfy.TextFixerConfig(explain=False, **merged)


def ftfy_can_skip(text):
    """True when ``text`` is ASCII with nothing ftfy could change under the default config.

    >>> ftfy_can_skip("plain words."), ftfy_can_skip("caf\u00e9"), ftfy_can_skip("a &amp; b")
    (True, False, False)
    """
    return text.isascii() and ASCII_FTFY_TRIGGER_RE.search(text) is None


def fix_unicode(text, config, fast=True):
    """Run ftfy on ``text`` with ``config``; with ``fast`` skip it when ftfy_can_skip says so."""
    if fast and ftfy_can_skip(text):
        return text
    return ftfy.fix_text(text, config)


def tidy_whitespace(text):
    """Remove invisible characters, collapse spaces, trim lines and blank runs.

    >>> tidy_whitespace("  a\u200b  b \\r\\n\\n\\n\\nc\u00a0d  ")
    'a b\\n\\nc d'
    """
    text = INVISIBLE_RE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    text = HSPACE_RE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return BLANK_RUN_RE.sub("\n\n", text).strip()


def normalize_text(text, config, fast=True):
    """Full normalization of one text: ftfy repair (``config``), then tidy_whitespace.

    >>> normalize_text("Li\u00e2\u20ac\u2122s trip\\r\\n", ftfy_config())
    'Li\u2019s trip'
    """
    return tidy_whitespace(fix_unicode(text, config, fast))


class NormalizeDoc(beam.DoFn):
    """Replace each document's text by its normalized form; the ftfy config is built in setup."""

    def __init__(self, ftfy_options=None, fast=True):
        self.ftfy_options = dict(ftfy_options or {})
        self.fast = fast

    def setup(self):
        self.config = ftfy_config(self.ftfy_options)

    def process(self, doc):
        out = dict(doc)
        out["text"] = normalize_text(doc["text"], self.config, self.fast)
        yield out


class Normalize(beam.PTransform):
    """PCollection[doc] -> PCollection[doc] with normalized text."""

    def __init__(self, normalize_cfg):
        super().__init__()
        self.cfg = normalize_cfg

    def expand(self, docs):
        return docs | "NormalizeText" >> beam.ParDo(
            NormalizeDoc(self.cfg.get("ftfy"), self.cfg.get("fast_path", True)))
