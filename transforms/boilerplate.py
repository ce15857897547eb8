"""Corpus-level boilerplate: a short line that recurs, the same, in many documents is removed.

What counts (see :func:`candidate_norms`):

* **the same line**: lines are compared NFKC-lowercased as their ``\\w+`` tokens (whitespace,
  case and punctuation folded); digits are compared as written, so ``Shr 45 cts vs 58 cts`` and
  ``Shr 31 cts vs 27 cts`` are two lines, not one line found in every earnings report;
* **short**: 1..``max_words`` words and at least one letter (a number, a price, a score alone
  is data);
* **not part of a block that is content** (:func:`protected_lines`; such lines are never
  candidates, whatever their count):

  - ``numeric``: a short line (<= ``max_words``) with a digit and another one one or two
    lines away (a blank line ends a block): table rows, a dividend notice (``Qtly div 25 cts
    vs 25 cts prior`` / ``Pay April 30`` / ``Record April 16``), a results list;
  - ``quote``: a line opening with a mail quote marker (``>``, ``|>``, ``:>``, ``#>``): a reply
    quoting a post quotes the same lines as every other reply to it;
  - ``wrap``: wrapped prose, a line of >= 5 words that does not end a sentence followed by a
    line that starts in lower case (an e-mail-wrapped paragraph, a quoted statement): both;
  - ``between``: a line whose two neighbours are protected (a row label such as ``Year`` or
    ``Six mths`` inside a table, an attribution between two quoted paragraphs).

  Site chrome (menus, share bars, footers, comment controls) is a run of short, separate
  items, which none of these block shapes describe: on the four web-page sets the protections
  keep 1.2 % of the lines the rule would remove without them (mostly numeric blocks: blog
  archive lists such as ``May 2004``), on 20 Newsgroups 43 % (quoted and wrapped text, tables).
* **in many documents of its group**: ``min_docs`` distinct documents.
* **in a document that shows web chrome**: a document the junk stage found without any
  (hit ``no_chrome``, :mod:`transforms.chrome`) has no candidates and keeps every line: a
  newswire sign-off or a forum signature shared by many clean documents stays.

**The guard** (``max_doc_share``): corpus boilerplate may remove at most this share of a
document's words (``\\w+`` tokens); a document where its lines would remove more keeps all of
them, and is counted as ``corpus_boilerplate_guard`` (documents, and the lines it kept) in
``stats.json``. A document made mostly of lines other documents share is one of many short
notices, a repeated announcement, a page that is all template: either way no document is emptied
by this stage alone (the filter judges what is left). 1.0 switches the guard off.

Groups (``group_by``): ``none`` (whole corpus), ``source`` (the input file), or ``site``
(host of the URL in ``meta[site_field]``; documents without one are counted together, corpus
wide), so a footer shared by one site's pages is caught, and a line shared by unrelated sites
(a greeting, a heading) is not counted across them.

The C4 pattern, all inside the Beam graph (no driver-side set, no side input):

1. every document emits ``(line_key, (doc_id, line_index))`` for each distinct candidate
   line (``line_key`` = digest of group + normalized line);
2. ``CombinePerKey`` counts the distinct documents of each key (a lifted combiner, so a
   line found in millions of pages does not funnel through one worker);
3. the counts are joined back to the occurrences (``CoGroupByKey`` on ``line_key``) and only
   the occurrences of lines **to keep** (seen in fewer than ``min_docs`` documents) are
   emitted, keyed by document id;
4. a second ``CoGroupByKey`` on the document id rebuilds each document that has candidate
   lines: a candidate line stays only if its index came back, or if the guard keeps them all.
   Documents without candidate lines skip that grouping: :class:`BoilerplateStreams` returns
   them as a stream of their own, so the pipeline moves them through one shuffle fewer.
"""
import hashlib
from collections import Counter
import unicodedata
from urllib.parse import urlsplit

import apache_beam as beam
import regex

from transforms.chrome import NO_CHROME
from transforms.normalize import BLANK_RUN_RE

RULE = "corpus_boilerplate"
GUARD = RULE + "_guard"
TOKEN = regex.compile(r"\w+")
DIGIT = regex.compile(r"\d")
LETTER = regex.compile(r"[^\W\d_]")
QUOTE_MARK = regex.compile(r"\s*(?:[|:#]\s*)?>")
ENDS_SENTENCE = regex.compile(r"[.!?:;\"')\]\u201d\u2019]\s*$")
STARTS_LOWER = regex.compile(r"\s*(?:[>|:#]\s*)*[\"'(\[\u201c\u2018]*\p{Ll}")
WRAP_MIN_WORDS = 5  # a line cut mid-sentence by wrapping has at least this many words
NUMERIC_REACH = 2   # a line with a digit is in a numeric block when another is this close
GROUPS = ("none", "source", "site")


def normalize_line(line):
    """Comparison form of a line: NFKC, lowercase ``\\w+`` tokens, space-joined (digits kept).

    >>> normalize_line("  Posted 3 hours ago | SHARE "), normalize_line("Posted 12 hours ago")
    ('posted 3 hours ago share', 'posted 12 hours ago')
    """
    return " ".join(TOKEN.findall(unicodedata.normalize("NFKC", line).lower()))


def group_of(doc, group_by, site_field="url"):
    """The group a document's lines are counted in: '' (the whole corpus), its source, or
    the host of its URL (``site``; '' when it has none).

    >>> group_of({"source": "a.jsonl", "meta": {"url": "https://www.x.com/p/1"}}, "site")
    'x.com'
    >>> group_of({"source": "a.jsonl", "meta": {}}, "site"), group_of({"source": "a.jsonl"}, "source")
    ('', 'a.jsonl')
    """
    if group_by == "none":
        return ""
    if group_by == "site":
        url = (doc.get("meta") or {}).get(site_field)
        if isinstance(url, str) and url:
            host = urlsplit(url if "//" in url else "//" + url).hostname or ""
            return host[4:] if host.startswith("www.") else host
        return ""
    return doc.get("source", "")


def is_candidate(line, max_words):
    """True for a line of 1..``max_words`` words (splits a long line only ``max_words`` times).

    >>> is_candidate("Share this", 3), is_candidate("a b c d", 3), is_candidate("  ", 3)
    (True, False, False)
    """
    return 0 < len(line.split(None, max_words)) <= max_words


def candidate_norm(line, max_words):
    """The normalized form of a line that may be boilerplate on its own, else '' (too long,
    blank, or no letter). :func:`candidate_norms` also asks its neighbours.

    >>> candidate_norm("Share on Facebook", 12), candidate_norm("1-1/4", 12), candidate_norm("$155", 12)
    ('share on facebook', '', '')
    """
    if not is_candidate(line, max_words):
        return ""
    norm = normalize_line(line)
    return norm if LETTER.search(norm) else ""


def _wraps_into(line, following):
    """``line`` is prose cut by a line break inside a sentence and ``following`` goes on with it."""
    return (len(line.split(None, WRAP_MIN_WORDS - 1)) >= WRAP_MIN_WORDS
            and not ENDS_SENTENCE.search(line) and STARTS_LOWER.match(following) is not None)


def _digit_near(digit, blank, i, step):
    """A line with a digit within ``NUMERIC_REACH`` lines of line ``i`` (direction ``step``),
    before any blank line."""
    for j in range(i + step, i + step * (NUMERIC_REACH + 1), step):
        if not 0 <= j < len(digit) or blank[j]:
            return False
        if digit[j]:
            return True
    return False


def protected_lines(lines, max_words):
    """Per line, why it is part of a block that is content ('' = it is not): ``numeric``,
    ``quote``, ``wrap`` or ``between`` (see the module docstring). Blank lines end blocks; only
    lines of at most ``max_words`` words count as numeric (a table row, not prose with a year).

    >>> protected_lines(["Shr 45 cts vs 58 cts", "Year", "Net 1.1 mln vs 829,000", "Reuter"], 12)
    ['numeric', 'between', 'numeric', '']
    >>> protected_lines(["Page 2", "", "Updated 5 May", "Share"], 12)
    ['', '', '', '']
    >>> protected_lines(["> quoted line", "a line that is wrapped across two", "lines of text.", "Share"], 12)
    ['quote', 'wrap', 'wrap', '']
    """
    n = len(lines)
    blank = [not line.strip() for line in lines]
    digit = [is_candidate(line, max_words) and DIGIT.search(line) is not None for line in lines]
    why = [""] * n
    for i in range(n):
        if blank[i]:
            continue
        if digit[i] and (_digit_near(digit, blank, i, -1) or _digit_near(digit, blank, i, 1)):
            why[i] = "numeric"
        elif QUOTE_MARK.match(lines[i]):
            why[i] = "quote"
    for i in range(n - 1):
        if not blank[i] and not blank[i + 1] and _wraps_into(lines[i], lines[i + 1]):
            why[i] = why[i] or "wrap"
            why[i + 1] = why[i + 1] or "wrap"
    inner = [i for i in range(1, n - 1) if not why[i] and not blank[i] and why[i - 1] and why[i + 1]]
    for i in inner:
        why[i] = "between"
    return why


def candidate_norms(lines, max_words):
    """Per line of a document, its normalized form if it is a boilerplate candidate, else ''.

    A candidate has 1..``max_words`` words, a letter, and is not in a protected block
    (:func:`protected_lines`).
    """
    return [candidate_norm(line, max_words) if not why else ""
            for line, why in zip(lines, protected_lines(lines, max_words))]


def candidate_lines(doc, max_words, group_by, site_field="url"):
    """Yield ``(line_key, (doc_id, index))`` for each distinct candidate line of ``doc``.

    The key is a 16-byte digest of the group and the normalized line. Each key is emitted once
    per document (at its first index), so the count per key is a count of documents. A document
    that shows no web chrome (hit ``no_chrome``, :mod:`transforms.chrome`) has no candidates: a
    newswire sign-off or a forum signature shared by many clean documents stays.
    """
    if NO_CHROME in (doc.get("junk_hits") or ()):
        return
    group = group_of(doc, group_by, site_field)
    seen = set()
    for index, norm in enumerate(candidate_norms(doc["text"].split("\n"), max_words)):
        if not norm:
            continue
        key = hashlib.blake2b(f"{group}\x00{norm}".encode("utf-8"), digest_size=16).digest()
        if key in seen:
            continue
        seen.add(key)
        yield key, (doc["id"], index)


def _words(line):
    return len(TOKEN.findall(line))


def rebuild(doc, kept_indices, max_words, max_doc_share, keep_removed):
    """Drop the candidate lines of ``doc`` whose index is not in ``kept_indices``.

    A repeated line inside one document shares the verdict of its first occurrence. When the
    lines to drop hold more than ``max_doc_share`` of the document's words, none is dropped
    (the guard) and ``junk_hits[corpus_boilerplate_guard]`` counts the lines it kept.
    Returns a new doc dict with ``junk_hits`` / ``removed`` updated; blank-line runs collapse.
    """
    lines = doc["text"].split("\n")
    norms = candidate_norms(lines, max_words)
    keep_keys = {norms[index] for index in kept_indices}
    drop = [bool(norm) and norm not in keep_keys for norm in norms]
    if not any(drop):
        return doc
    out = dict(doc)
    hits = dict(doc.get("junk_hits") or {})
    out["junk_hits"] = hits
    dropped_words = sum(_words(line) for line, d in zip(lines, drop) if d)
    if dropped_words > max_doc_share * sum(_words(line) for line in lines):
        hits[GUARD] = hits.get(GUARD, 0) + sum(drop)
        return out
    removed = [[RULE, line] for line, d in zip(lines, drop) if d]
    out["text"] = BLANK_RUN_RE.sub("\n\n", "\n".join(line for line, d in zip(lines, drop) if not d)).strip()
    hits[RULE] = hits.get(RULE, 0) + len(removed)
    if keep_removed:
        out["removed"] = list(doc.get("removed") or []) + removed
    return out


class SplitByCandidates(beam.DoFn):
    """doc -> main: its ``candidate_lines`` occurrences; 'keyed': ``(doc_id, doc)`` for a
    document with candidate lines (it waits for the verdicts on them); 'plain': a document
    without any (boilerplate removal cannot change it)."""

    def __init__(self, max_words, group_by, site_field):
        self.max_words, self.group_by, self.site_field = max_words, group_by, site_field

    def process(self, doc):
        yield from self._split(doc)  # (a helper keeps Beam's type inference off TaggedOutput)

    def _split(self, doc):
        occurrences = list(candidate_lines(doc, self.max_words, self.group_by, self.site_field))
        if not occurrences:
            yield beam.pvalue.TaggedOutput("plain", doc)
            return
        yield beam.pvalue.TaggedOutput("keyed", (doc["id"], doc))
        yield from occurrences


def _keep_occurrences(element, min_docs):
    """From ``(key, {"count": [n], "occ": [(doc_id, index), ...]})`` emit the occurrences of
    a line to keep (found in fewer than ``min_docs`` documents)."""
    _, grouped = element
    if sum(grouped["count"]) >= min_docs:
        return
    yield from grouped["occ"]


def _join_doc(element, max_words, max_doc_share, keep_removed):
    _, grouped = element
    for doc in grouped["doc"]:
        yield rebuild(doc, grouped["keep"], max_words, max_doc_share, keep_removed)


class BoilerplateStreams(beam.PTransform):
    """PCollection[doc] -> ``(plain, rebuilt)``: a tuple of PCollections of documents that
    together are :class:`RemoveBoilerplate`'s output. ``plain`` holds the documents without candidate
    lines (untouched, never shuffled here); ``rebuilt`` the others, after the join on their
    id. Keeping them apart saves the plain documents a shuffle: a consumer that groups
    anyway (a ``CoGroupByKey``) takes both; a Flatten of the two costs the runner a copy.

    ``settings`` is a :class:`transforms.settings.Boilerplate` (``junk.boilerplate``);
    ``keep_removed`` carries the removed lines for the audit file. Disabled, the tuple is just
    ``(docs,)``.
    """

    def __init__(self, settings, keep_removed=True):
        super().__init__()
        self.settings = settings
        self.keep_removed = keep_removed

    def expand(self, docs):
        cfg = self.settings
        if not cfg.enabled:
            return (docs,)
        max_words, min_docs = cfg.max_words, cfg.min_docs
        group_by, site_field = cfg.group_by, cfg.site_field
        split = docs | "CandidateLines" >> beam.ParDo(SplitByCandidates(
            max_words, group_by, site_field)).with_outputs("keyed", "plain", main="occ")
        occurrences = split.occ
        counts = (occurrences
                  | "One" >> beam.Map(lambda kv: (kv[0], 1))
                  | "DocsPerLine" >> beam.CombinePerKey(sum))
        keep = ({"count": counts, "occ": occurrences}
                | "JoinCounts" >> beam.CoGroupByKey()
                | "LinesToKeep" >> beam.FlatMap(_keep_occurrences, min_docs))
        rebuilt = ({"doc": split.keyed, "keep": keep}
                   | "JoinDocs" >> beam.CoGroupByKey()
                   | "Rebuild" >> beam.FlatMap(_join_doc, max_words, cfg.max_doc_share, self.keep_removed))
        return split.plain, rebuilt


class RemoveBoilerplate(beam.PTransform):
    """PCollection[doc] -> PCollection[doc] without lines shared by >= ``min_docs`` documents:
    the two streams of :class:`BoilerplateStreams` flattened (same arguments)."""

    def __init__(self, settings, keep_removed=True):
        super().__init__()
        self.settings = settings
        self.keep_removed = keep_removed

    def expand(self, docs):
        if not self.settings.enabled:
            return docs
        streams = docs | "Streams" >> BoilerplateStreams(self.settings, self.keep_removed)
        return streams | "AllStreams" >> beam.Flatten()


def remove_boilerplate_in_memory(docs, settings, keep_removed=False):
    """:class:`RemoveBoilerplate` in plain Python for a list of documents that fits in memory
    (``textwash tune``'s sample, the tests' reference): count each line key's documents over
    ``docs``, then :func:`rebuild` every document with the occurrences seen in fewer than
    ``settings.min_docs`` documents. Returns the new list (documents in the same order)."""
    if not settings.enabled:
        return list(docs)
    occurrences = {d["id"]: list(candidate_lines(d, settings.max_words, settings.group_by, settings.site_field))
                   for d in docs}
    counts = Counter(key for occ in occurrences.values() for key, _ in occ)
    return [rebuild(d, [i for key, (_, i) in occurrences[d["id"]] if counts[key] < settings.min_docs],
                    settings.max_words, settings.max_doc_share, keep_removed) if occurrences[d["id"]] else d
            for d in docs]  # a document without candidates is untouched (the Beam graph's plain stream)
