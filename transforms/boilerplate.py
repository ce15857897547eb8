"""Corpus-level boilerplate: a short line that recurs in many distinct documents is removed.

The C4 pattern, all inside the Beam graph (no driver-side set, no side input):

1. every document emits ``(line_key, (doc_id, line_index))`` for each distinct candidate
   line (a line of at most ``max_words`` words; ``line_key`` = group + normalized line);
2. ``CombinePerKey`` counts the distinct documents of each key (a lifted combiner, so a
   line found in millions of pages does not funnel through one worker);
3. the counts are joined back to the occurrences (``CoGroupByKey`` on ``line_key``) and only
   the occurrences of lines **to keep** (seen in fewer than ``min_docs`` documents) are
   emitted, keyed by document id;
4. a second ``CoGroupByKey`` on the document id rebuilds each document that has candidate
   lines: a candidate line stays only if its index came back. Documents without candidate
   lines skip that grouping: :class:`BoilerplateStreams` returns them as a stream of their
   own, so the pipeline moves them through one shuffle fewer.

Groups (``group_by``): ``none`` (whole corpus), ``source`` (the input file), or ``site``
(host of the URL in ``meta[site_field]``, else the source), so a footer shared by one site's
pages is caught even when a threshold over the whole corpus would not be.
"""
import hashlib
from collections import Counter
import unicodedata
from urllib.parse import urlsplit

import apache_beam as beam
import regex

from transforms.normalize import BLANK_RUN_RE

RULE = "corpus_boilerplate"
TOKEN = regex.compile(r"\w+")
DIGITS = regex.compile(r"\d+")
LETTER = regex.compile(r"[^\W\d_]")
GROUPS = ("none", "source", "site")


def normalize_line(line):
    """Comparison form of a line: NFKC, lowercase ``\\w+`` tokens, digit runs -> 0, space-joined.

    >>> normalize_line("  Posted 3 hours ago | SHARE ")
    'posted 0 hours ago share'
    """
    text = unicodedata.normalize("NFKC", line).lower()
    return " ".join(DIGITS.sub("0", tok) for tok in TOKEN.findall(text))


def group_of(doc, group_by, site_field="url"):
    """The group a document's lines are counted in: '' (none), its source, or its site host.

    >>> group_of({"source": "a.jsonl", "meta": {"url": "https://www.x.com/p/1"}}, "site")
    'x.com'
    """
    if group_by == "none":
        return ""
    if group_by == "site":
        url = (doc.get("meta") or {}).get(site_field)
        if isinstance(url, str) and url:
            host = urlsplit(url if "//" in url else "//" + url).hostname or ""
            host = host[4:] if host.startswith("www.") else host
            if host:
                return host
    return doc.get("source", "")


def is_candidate(line, max_words):
    """True for a line of 1..``max_words`` words (splits a long line only ``max_words`` times).

    >>> is_candidate("Share this", 3), is_candidate("a b c d", 3), is_candidate("  ", 3)
    (True, False, False)
    """
    return 0 < len(line.split(None, max_words)) <= max_words


def candidate_norm(line, max_words):
    """The normalized form of a candidate line, else '' (too long, blank, or no letter).

    >>> candidate_norm("Share on Facebook", 12), candidate_norm("1-1/4", 12), candidate_norm("$155", 12)
    ('share on facebook', '', '')
    """
    if not is_candidate(line, max_words):
        return ""
    norm = normalize_line(line)
    return norm if LETTER.search(norm) else ""


def candidate_lines(doc, max_words, group_by, site_field="url"):
    """Yield ``(line_key, (doc_id, index))`` for each distinct candidate line of ``doc``.

    A candidate is a non-blank line of 1..``max_words`` words with at least one letter (a
    line of numbers only, a table cell, a score, a price, is data: with digit runs
    normalized to 0 every such line would look alike); the key is a 16-byte digest of the
    group and the normalized line. Each key is emitted once per document (at its first
    index), so the count per key is a count of documents.
    """
    group = group_of(doc, group_by, site_field)
    seen = set()
    for index, line in enumerate(doc["text"].split("\n")):
        norm = candidate_norm(line, max_words)
        if not norm:
            continue
        key = hashlib.blake2b(f"{group}\x00{norm}".encode("utf-8"), digest_size=16).digest()
        if key in seen:
            continue
        seen.add(key)
        yield key, (doc["id"], index)


def rebuild(doc, kept_indices, max_words, keep_removed):
    """Drop the candidate lines of ``doc`` whose index is not in ``kept_indices``.

    A repeated line inside one document shares the verdict of its first occurrence.
    Returns a new doc dict with ``junk_hits`` / ``removed`` updated; blank-line runs collapse.
    """
    keep_keys = set()
    lines = doc["text"].split("\n")
    norms = [candidate_norm(line, max_words) for line in lines]
    for index in kept_indices:
        keep_keys.add(norms[index])
    out_lines, removed = [], []
    for line, norm in zip(lines, norms):
        if norm and norm not in keep_keys:
            removed.append([RULE, line])
        else:
            out_lines.append(line)
    if not removed:
        return doc
    out = dict(doc)
    out["text"] = BLANK_RUN_RE.sub("\n\n", "\n".join(out_lines)).strip()
    hits = dict(doc.get("junk_hits") or {})
    hits[RULE] = hits.get(RULE, 0) + len(removed)
    out["junk_hits"] = hits
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


def _join_doc(element, max_words, keep_removed):
    _, grouped = element
    for doc in grouped["doc"]:
        yield rebuild(doc, grouped["keep"], max_words, keep_removed)


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
                   | "Rebuild" >> beam.FlatMap(_join_doc, max_words, self.keep_removed))
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
                    settings.max_words, keep_removed) for d in docs]
