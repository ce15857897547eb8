"""Strip junk: named regex rules remove widget fragments, share bars, comment forms, slugs.

Every rule has a ``name`` and a ``scope``:

- ``line``: the whole (stripped) line matches ``pattern`` -> the line is removed;
- ``inline``: ``pattern`` is replaced by ``replace`` (default "") inside a line, the rest
  of the line stays ("More ShortsThe timing ..." -> "The timing ...");
- ``top`` / ``bottom``: like ``line``, but only for the first / last ``max_lines``
  non-blank lines, scanning inward from the edge while lines keep matching (slugs,
  section labels, footers).

Rules are compiled once per worker (``DoFn.setup``). Each regex call has a timeout; a rule
that times out sends the document to ``rejected`` with the rule's name instead of stalling.
"""
import copy
from collections import Counter

import apache_beam as beam
import regex

from transforms.normalize import BLANK_RUN_RE
from transforms.records import REJECTED, reject_doc
from transforms.separators import UNICODE_WORD, ascii_but_separators, lower_ascii_word_tokens

SCOPES = ("line", "inline", "top", "bottom")


class RuleTimeout(Exception):
    """A rule's regex exceeded the per-call timeout; ``rule`` names it."""

    def __init__(self, rule):
        super().__init__(f"rule {rule!r} timed out")
        self.rule = rule


class CompiledRule:
    """One junk rule, compiled: ``name``, ``scope``, ``regex``, ``replace``, ``max_lines``."""

    __slots__ = ("name", "scope", "regex", "replace", "max_lines")

    def __init__(self, spec):
        self.name = spec["name"]
        self.scope = spec["scope"]
        flags = regex.V1 | (regex.IGNORECASE if spec.get("ignore_case") else 0)
        self.regex = regex.compile(spec["pattern"], flags)
        self.replace = spec.get("replace", "")
        self.max_lines = int(spec.get("max_lines", 3))


def compile_rule_error(spec):
    """Return None if ``spec['pattern']`` compiles, else the error message (for config checks)."""
    try:
        CompiledRule(spec)
    except (regex.error, KeyError, TypeError, ValueError) as exc:
        return str(exc)
    return None


# A pattern that could mean something else inside a larger alternation (back-references,
# recursion, version flags, conditionals) keeps the line rules from being combined into one pre-check.
_NOT_COMBINABLE = regex.compile(r"\\[1-9]|\\g<|\(\?P[=>]|\(\?[R0-9+&-]|\(\?[a-zA-Z]*V|\(\?\(")


def combined_line_check(rules):
    """One compiled regex whose fullmatch succeeds iff some rule in ``rules`` fully matches.

    Each pattern becomes a scoped group ``(?:pattern)`` (``(?i:...)`` for ignore_case) of one
    V1 alternation, so a line no rule matches (most lines) costs one regex call instead of
    one per rule. Returns None when a pattern cannot be combined safely (back-references,
    recursion, version flags, conditionals) or the alternation does not compile.
    """
    if len(rules) < 2:
        return None
    parts = []
    for rule in rules:
        pattern = rule.regex.pattern
        if _NOT_COMBINABLE.search(pattern):
            return None
        flags = "i" if rule.regex.flags & regex.IGNORECASE else ""
        parts.append(f"(?{flags}:{pattern})" if flags else f"(?:{pattern})")
    try:
        return regex.compile("|".join(parts), regex.V1)
    except (regex.error, ValueError, TypeError):
        return None


class JunkRules:
    """The enabled rules of a config, grouped by scope, ready to apply."""

    def __init__(self, rule_specs, timeout=1.0):
        rules = [CompiledRule(s) for s in rule_specs if s.get("enabled", True)]
        self.by_scope = {scope: [r for r in rules if r.scope == scope] for scope in SCOPES}
        self.timeout = timeout
        self.line_check = combined_line_check(self.by_scope["line"])

    def __getstate__(self):
        return {"by_scope": self.by_scope, "timeout": self.timeout}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.line_check = combined_line_check(self.by_scope["line"])

    def any_line_rule(self, line):
        """False when no ``line`` rule can fully match ``line`` (one combined call); else True."""
        if self.line_check is None:
            return True
        try:
            return self.line_check.fullmatch(line, timeout=self.timeout) is not None
        except TimeoutError:
            return True  # let the rules one by one decide (and name the slow one)

    def _call(self, rule, method, *args):
        try:
            return getattr(rule.regex, method)(*args, timeout=self.timeout)
        except TimeoutError:
            raise RuleTimeout(rule.name) from None

    def first_full_match(self, line, scope):
        """Name of the first ``scope`` rule whose pattern matches all of ``line``, else None."""
        for rule in self.by_scope[scope]:
            if self._call(rule, "fullmatch", line):
                return rule.name
        return None

    def apply_inline(self, line, hits, removed):
        """Apply inline rules to one line; record hits and removed fragments; return the line."""
        for rule in self.by_scope["inline"]:
            found = self._call(rule, "search", line)
            if found:
                removed.append([rule.name, found.group(0)])
                hits[rule.name] = hits.get(rule.name, 0) + 1
                line = self._call(rule, "sub", rule.replace, line).strip()
        return line


def _strip_edge(lines, rules, scope, hits, removed):
    """Remove matching non-blank lines from one edge of ``lines`` (in place, via index list)."""
    order = range(len(lines)) if scope == "top" else range(len(lines) - 1, -1, -1)
    budget = max((r.max_lines for r in rules.by_scope[scope]), default=0)
    seen = 0
    for i in order:
        line = lines[i]
        if line is None or not line:
            continue
        if seen >= budget:
            break
        seen += 1
        name = None
        for rule in rules.by_scope[scope]:
            if seen <= rule.max_lines and rules._call(rule, "fullmatch", line):
                name = rule.name
                break
        if name is None:
            break
        hits[name] = hits.get(name, 0) + 1
        removed.append([name, line])
        lines[i] = None


def strip_junk(text, rules, heuristics=None):
    """Apply ``rules`` (a JunkRules), then the context ``heuristics`` (a dict or None), to ``text``.

    Returns ``(clean_text, hits, removed)``: ``hits`` maps rule name -> lines it hit (a
    per-page decision, ``scattered_page`` / ``thread_page``, appears with 0 lines) and
    ``removed`` lists ``[rule, removed text]``. Raises RuleTimeout when a rule times out.
    Blank lines are kept where they separate kept text, then collapsed.
    """
    hits, removed = {}, []
    lines = []
    for line in text.split("\n"):
        if line:
            line = rules.apply_inline(line, hits, removed)
            if not line:
                lines.append(None)
                continue
            name = rules.first_full_match(line, "line") if rules.any_line_rule(line) else None
            if name:
                hits[name] = hits.get(name, 0) + 1
                removed.append([name, line])
                lines.append(None)
                continue
        lines.append(line)
    _strip_edge(lines, rules, "top", hits, removed)
    _strip_edge(lines, rules, "bottom", hits, removed)
    if heuristics and heuristics.get("enabled", True):
        positions = [i for i, line in enumerate(lines) if line and line.strip()]
        pages = {}
        verdicts = line_decisions([lines[i].strip() for i in positions], heuristics, pages)
        for name in pages:  # a per-page decision: counted as a document hit with 0 lines removed
            hits.setdefault(name, 0)
        for i, name in zip(positions, verdicts):
            if name:
                hits[name] = hits.get(name, 0) + 1
                removed.append([name, lines[i]])
                lines[i] = None
    kept = "\n".join(line for line in lines if line is not None)
    kept = BLANK_RUN_RE.sub("\n\n", kept).strip()
    return kept, hits, removed


class StripJunkDoc(beam.DoFn):
    """Clean each document's text; documents whose rule timed out go to ``rejected``."""

    def __init__(self, rule_specs, timeout, keep_removed, heuristic_cfg=None, ratios=None):
        self.rule_specs = rule_specs
        self.timeout = timeout
        self.keep_removed = keep_removed
        self.heuristic_cfg = heuristic_cfg
        self.ratios = ratios

    def setup(self):
        self.rules = JunkRules(self.rule_specs, self.timeout)
        self.heuristics = compile_heuristics(self.heuristic_cfg)

    def process(self, doc):
        try:
            text, hits, removed = strip_junk(doc["text"], self.rules, self.heuristics)
        except RuleTimeout as exc:
            yield beam.pvalue.TaggedOutput(REJECTED, reject_doc(
                doc, "junk", "rule_timeout",
                f"rule {exc.rule!r} exceeded {self.timeout}s on this document"))
            return
        verdict = ratio_verdict(text, self.ratios)
        if verdict:
            yield beam.pvalue.TaggedOutput(REJECTED, reject_doc(dict(doc, text=text), "junk", *verdict))
            return
        out = dict(doc)
        out["text"] = text
        out["junk_hits"] = hits
        if self.keep_removed:
            out["removed"] = removed
        yield out


class StripJunk(beam.PTransform):
    """PCollection[doc] -> DoOutputsTuple(main=cleaned docs, rejected=timeouts)."""

    def __init__(self, junk_cfg):
        super().__init__()
        self.cfg = junk_cfg

    def expand(self, docs):
        cfg = self.cfg
        return docs | "ApplyJunkRules" >> beam.ParDo(StripJunkDoc(
            enabled_rule_specs(cfg), cfg.get("regex_timeout_s", 1.0), cfg.get("keep_removed", True),
            effective_heuristics(cfg), cfg.get("doc_ratios"))).with_outputs(REJECTED, main="docs")


# ---------------------------------------------------------------- line heuristics with context
#
# After the regex rules, every remaining non-blank line gets a class:
#   "good"  : a prose line (enough words, ends like a sentence, enough function words);
#   "bad"   : hit by a hard heuristic (javascript, cookie/privacy/terms, lorem ipsum, braces, ...);
#   "weak"  : short or unterminated: junk unless its context says otherwise.
# A weak line is kept when the nearest classified lines on both sides (within
# ``context.window`` lines) are good: a sub-heading, a byline or a caption inside the body.
# Optionally (``main_region``) only the densest run of body text is kept (a maximum-sum
# segment over line scores, as in Body Text Extraction), and a comment section after it
# is cut.

STOPWORDS = frozenset("""a about above after again against all also am an and any are as at be because
been before being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it its itself
just me more most my myself no nor not now of off on once only or other our ours ourselves out over own
same she should so some such than that the their theirs them themselves then there these they this
those through to too under until up very was we were what when where which while who whom why will
with would you your yours yourself yourselves said says one two new like get got may might must
de la le les des et en un une est du que qui dans pour pas sur il elle el los las y por con para del
der die das und ist nicht mit den ein eine zu von sich auch auf für il di che non per una della""".split())

TERMINAL = (".", "!", "?", "\u3002", "\uff01", "\uff1f", '"', "\u201d", "\u2019", "'", ")", "\u00bb", ":", ";", "\u2026")
WORD_TOKEN = UNICODE_WORD
BULLET = regex.compile(r"^\s*[\u2022\u2023\u25b6\u25cf\u25e6\u2013\u2014*·-]\s")
CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
ELLIPSIS = regex.compile(r"(?:\.\.\.|\u2026)\s*$")

_STOPWORDS_BYTES = frozenset(word.encode("utf-8") for word in STOPWORDS)  # for lower_ascii_word_tokens
_NOT_LOWER_ASCII_LETTER = bytes(c for c in range(256) if not (97 <= c <= 122))

HARD_HEURISTICS = ("javascript", "policy_line", "cookie_banner", "lorem_ipsum", "curly_brace", "dateline", "byline",
                   "comment_start")
# Hard heuristics given by a pattern: a line of at most ``max_words`` words that ``pattern``
# matches at its start is bad (a dateline / timestamp, a byline).
PATTERN_HEURISTICS = ("dateline", "byline")


def line_features(line):
    """Features of one stripped line: dict of words, tokens, stop density, terminal, symbol share."""
    return _line_features(line, line.lower())


def _line_features(line, low):
    """:func:`line_features` of ``line`` given ``low`` = ``line.lower()`` (computed once per line
    for the features and the hard heuristics)."""
    words = len(line.split())
    if ascii_but_separators(line):
        # no CJK, the same tokens as bytes, and the letters are the ASCII ones: lowering maps
        # A-Z to a-z and leaves a separator (no letter, no case) as it is, whose UTF-8 bytes
        # the letter count drops with every other byte that is not a-z
        data = low.encode("utf-8")
        toks = lower_ascii_word_tokens(data)
        stops = sum(map(_STOPWORDS_BYTES.__contains__, toks))
        letters = len(data.translate(None, _NOT_LOWER_ASCII_LETTER))
    else:
        cjk = len(CJK.findall(line))
        if cjk:
            words = max(words, words - 1 + cjk // 2)
        toks = WORD_TOKEN.findall(low)
        stops = sum(map(STOPWORDS.__contains__, toks))
        letters = sum(map(str.isalpha, line))
    return {"words": words, "tokens": len(toks), "stop": stops / len(toks) if toks else 0.0,
            "terminal": line.rstrip().endswith(TERMINAL), "chars": len(line),
            "alpha": letters / len(line) if line else 0.0}


def line_checks(h):
    """The per-line settings of heuristics ``h``, looked up once per document for
    :func:`classify`: ``(hard, good)`` with ``hard`` = the javascript, policy_line,
    cookie_banner, lorem_ipsum and curly_brace settings (None when off; cookie_banner as
    ``(settings, compiled pattern)``) plus a tuple of ``(name, settings, compiled pattern)`` for
    the enabled pattern heuristics, and ``good`` = the ``good_line`` settings."""
    def enabled(key):
        cfg = h.get(key, {})
        return cfg if cfg.get("enabled") else None

    cookie = enabled("cookie_banner")
    if cookie is not None:
        cookie = (cookie, cookie.get("compiled") or regex.compile(cookie["pattern"], regex.IGNORECASE | regex.V1))
    patterns = []
    for key in PATTERN_HEURISTICS:
        cfg = h.get(key) or {}
        if cfg.get("enabled"):
            patterns.append((key, cfg, cfg.get("compiled")
                             or regex.compile(cfg["pattern"], regex.IGNORECASE | regex.V1)))
    hard = (enabled("javascript"), enabled("policy_line"), cookie, enabled("lorem_ipsum"),
            enabled("curly_brace"), tuple(patterns))
    return hard, h["good_line"]


def _hard_hit(line, low, words, hard):
    """Name of the first enabled hard heuristic ``line`` (of ``words`` words, lower-cased
    ``low``) trips, else None; ``hard`` is the first item of :func:`line_checks`."""
    javascript, policy, cookie, lorem, curly, patterns = hard
    if javascript is not None and "javascript" in low and words <= javascript["max_words"]:
        return "javascript"
    if policy is not None and words <= policy["max_words"] and any(p in low for p in policy["phrases"]):
        return "policy_line"
    if cookie is not None and "cookie" in low and words <= cookie[0]["max_words"] and cookie[1].match(line):
        return "cookie_banner"
    if lorem is not None and "lorem ipsum" in low:
        return "lorem_ipsum"
    if curly is not None and ("{" in line or "}" in line) and words <= curly.get("max_words", 10 ** 9):
        return "curly_brace"
    for key, cfg, pattern in patterns:
        if words <= cfg["max_words"] and pattern.match(line):
            return key
    return None


SENTENCE_MARKS = ",;:.!?"  # good_line.long_min_marks: prose without an end still has these


def classify(line, feats, h, low=None, checks=None):
    """Class of one line under heuristics ``h``: ``(cls, rule)`` with cls good / weak / bad.

    ``low`` (``line.lower()``) and ``checks`` (:func:`line_checks` of ``h``) are computed
    here unless the caller has them already.
    """
    hard, good = checks or line_checks(h)
    hit = _hard_hit(line, line.lower() if low is None else low, feats["words"], hard)
    if hit:
        return "bad", hit
    words, terminal = feats["words"], feats["terminal"]
    long_enough = words >= good["min_words"]
    very_long = words >= good["long_words"] and (
        terminal or sum(map(line.count, SENTENCE_MARKS)) >= good["long_min_marks"])
    if (long_enough and (terminal or very_long) and feats["stop"] >= good["min_stopword_ratio"]
            and feats["alpha"] >= good["min_alpha_ratio"]):
        return "good", None
    return "weak", "short_line" if not long_enough else "no_terminal_punct"


def _nearest(classes, i, step, window):
    """Class of the nearest non-weak line from compact index ``i`` in direction ``step``."""
    j, seen = i + step, 0
    while 0 <= j < len(classes) and seen < window:
        if classes[j] != "weak":
            return classes[j]
        j += step
        seen += 1
    return None


def _prose_share(classes, feats, weak_min_stop=None):
    """Share of a document's words that are in good lines (0.0 for no words); with
    ``weak_min_stop``, weak lines whose stopword density reaches it count too (prose hard-wrapped
    across lines, as in e-mail or plain-text articles, reads as language, not as chrome).

    >>> feats = [{"words": 10, "stop": 0.0}, {"words": 10, "stop": 0.4}, {"words": 20, "stop": 0.5}]
    >>> _prose_share(["weak", "weak", "good"], feats), _prose_share(["weak", "weak", "good"], feats, 0.3)
    (0.5, 0.75)
    """
    total = sum(f["words"] for f in feats)
    good = sum(f["words"] for c, f in zip(classes, feats)
               if c == "good" or (weak_min_stop is not None and c == "weak" and f["stop"] >= weak_min_stop))
    return good / total if total else 0.0


def best_region(scores):
    """Maximum-sum contiguous segment of ``scores``: ``(start, end)`` inclusive, or None if all <= 0.

    >>> best_region([-1, 3, -1, 4, -9, 2])
    (1, 3)
    """
    best, best_span = 0.0, None
    run, start = 0.0, 0
    for i, s in enumerate(scores):
        if run <= 0:
            run, start = s, i
        else:
            run += s
        if run > best:
            best, best_span = run, (start, i)
    return best_span


def region_share(classes, feats, start, end):
    """Share of the good-line words of a document that lie in lines ``start..end`` (0.0 if none).

    >>> region_share(["good", "weak", "good", "good"], [{"words": 10}, {"words": 2}, {"words": 10},
    ...              {"words": 20}], 2, 3)
    0.75
    """
    total = inside = 0
    for i, (cls, f) in enumerate(zip(classes, feats)):
        if cls == "good":
            total += f["words"]
            if start <= i <= end:
                inside += f["words"]
    return inside / total if total else 0.0


def is_scattered_page(classes, feats, cfg):
    """True when a page has no dominant article block but language everywhere (``scattered_page``).

    The densest run of body text (good line = +words, any other line = -``weak_penalty``)
    holds less than ``max_region_share`` of the good-line words, and the weak lines read like
    language, not navigation: their share of function words is at least
    ``min_weak_stopword_ratio`` (a menu is a list of names; a table of contents, a list of
    links with descriptions, a forum index are not). A page with more than ``max_prose_share``
    of its words in good lines has an article and is never scattered; a page with fewer than
    ``min_article_words`` good-line words has no article to cut to and always is.
    """
    good_words = sum(f["words"] for c, f in zip(classes, feats) if c == "good")
    if good_words < cfg.get("min_article_words", 0):
        return True
    if _prose_share(classes, feats) > cfg.get("max_prose_share", 1.0):
        return False
    scores = [f["words"] if c == "good" else -cfg["weak_penalty"] for c, f in zip(classes, feats)]
    span = best_region(scores)
    if not span or region_share(classes, feats, *span) >= cfg["max_region_share"]:
        return False
    stops = tokens = 0
    for c, f in zip(classes, feats):
        if c == "weak":
            stops += f["stop"] * f["tokens"]
            tokens += f["tokens"]
    return tokens > 0 and stops / tokens >= cfg["min_weak_stopword_ratio"]


def line_decisions(lines, h, stats=None):
    """Decide which lines of a document to keep with the context heuristics ``h``.

    ``lines`` is the list of non-blank stripped lines. Returns a list of the same length,
    each entry None (keep) or the name of the heuristic that removes the line. ``stats``
    (a dict, optional) receives the per-page decisions: ``scattered_page`` / ``thread_page``
    -> number of lines they kept.
    """
    n = len(lines)
    if not n or not h.get("enabled", True):
        return [None] * n
    lows = [line.lower() for line in lines]
    feats = list(map(_line_features, lines, lows))
    checks = line_checks(h)
    classified = [classify(line, f, h, low, checks) for line, f, low in zip(lines, feats, lows)]
    if any(rule in PATTERN_HEURISTICS for _, rule in classified):
        # a dateline / byline pattern only applies on pages below its max_page_prose_share
        # (a chrome-heavy news page) and hitting at most max_hits lines (more are the stamps of
        # a list's items: posts, comments, listings); else the line is classified as if unmatched
        base = [c if r not in PATTERN_HEURISTICS else "weak" for c, r in classified]
        share = _prose_share(base, feats)
        counts = Counter(rule for _, rule in classified if rule in PATTERN_HEURISTICS)
        unmatched = dict(h, **{k: {"enabled": False} for k in PATTERN_HEURISTICS})
        unmatched_checks = line_checks(unmatched)
        for i, (c, rule) in enumerate(classified):
            if rule in PATTERN_HEURISTICS and (share >= h[rule].get("max_page_prose_share", 1.0)
                                               or counts[rule] > h[rule].get("max_hits", 10 ** 9)):
                classified[i] = classify(lines[i], feats[i], unmatched, lows[i], unmatched_checks)
    out = [rule if cls == "bad" else None for cls, rule in classified]
    # pattern heuristics (dateline, byline) remove their line but count as weak for context
    # and region scoring unless configured ``as_bad``
    classes = [c for c, _ in classified]
    seen = {}
    for i, (c, rule) in enumerate(classified):
        if rule in PATTERN_HEURISTICS:
            seen[rule] = seen.get(rule, 0) + 1
            if seen[rule] <= h[rule].get("weak_first", 1):
                classes[i] = "weak"
    ctx = h["context"]
    region = h["main_region"]
    if ctx["enabled"]:
        need = 1 if ctx["keep_if"] == "either" else 2
        for i, (cls, rule) in enumerate(classified):
            if cls != "weak":
                continue
            before = _nearest(classes, i, -1, ctx["window"])
            after = _nearest(classes, i, 1, ctx["window"])
            sides = (before == "good") + (after == "good")
            if sides < need:
                out[i] = rule
    scattered = h.get("scattered_page") or {}
    if region["enabled"] and scattered.get("enabled") and is_scattered_page(classes, feats, scattered):
        # no dominant article block: a list / table / directory page; keep all but bad lines
        kept = sum(1 for i in range(n) if out[i] is not None and classes[i] != "bad"
                   and out[i] not in PATTERN_HEURISTICS)
        for i in range(n):
            if classes[i] != "bad" and out[i] not in PATTERN_HEURISTICS:
                out[i] = None
        if stats is not None:
            stats["scattered_page"] = kept
        return out
    if region["enabled"] and "good" in classes:
        share = _prose_share(classes, feats, region.get("good_offset_weak_min_stop"))
        offset = region.get("good_offset", 0.0) if share < region.get("good_offset_max_share", 1.0) else 0.0
        scores = []
        for cls, f in zip(classes, feats):
            if cls == "good":
                scores.append(float(f["words"]) - offset)
            elif cls == "bad":
                scores.append(-region["bad_penalty"])
            else:
                scores.append(-region["weak_penalty"] - region["weak_penalty_per_word"] * f["words"])
        span = best_region(scores)
        start, end = span if span else (0, n - 1)
        thread = h.get("thread_page") or {}
        end, cut_at, cut_rule = _region_end(lines, feats, classes, h, start, end,
                                            thread if thread.get("enabled") else None, stats)
        if region.get("extend_with_context"):
            passable = (None,) + PATTERN_HEURISTICS  # a dateline / byline does not stop the walk
            while start > 0 and classes[start - 1] == "weak" and out[start - 1] in passable:
                start -= 1
            below = region.get("extend_below", {})
            while end + 1 < cut_at and classes[end + 1] == "weak" and out[end + 1] in passable \
                    and (feats[end + 1]["terminal"] and below.get("terminal", True)
                         or feats[end + 1]["words"] >= below.get("min_words", 0)
                         and feats[end + 1]["stop"] >= below.get("min_stopword_ratio", 0.0)):
                end += 1  # below the body: only weak lines that read like a sentence (a short last
                # sentence, an unterminated last line), not the share lines, tags and teasers
        inside = [start <= i <= end for i in range(n)]
        if region.get("keep_weak_inside") and share >= region.get("keep_weak_min_share", 0.0):
            for i in range(start, end + 1):
                if classified[i][0] == "weak":
                    out[i] = None
        limit = region.get("extra_min_score", 0)
        if limit > 0:
            for lo, hi in ((0, start - 1), (end + 1, cut_at - 1)):
                for a, b in _extra_regions(scores, lo, hi, limit):
                    for i in range(a, b + 1):
                        inside[i] = True
        for i in range(n):
            if not inside[i] and out[i] is None:
                out[i] = cut_rule if i >= cut_at else "outside_main_region"
        repeated = h.get("repeated_above") or {}
        if repeated.get("enabled"):
            for i in repeated_above_body(lines, feats, out, repeated["min_words"], h["good_line"]["long_words"]):
                out[i] = "repeated_line"
    return out


def repeated_above_body(lines, feats, out, min_words, body_words):
    """Indices of kept lines above the body that are shown again further down (``repeated_above``).

    The body starts at the first kept line of at least ``body_words`` words (no such line: no
    copies). A kept line of at least ``min_words`` words above it whose text recurs in a later
    kept line is a copy: a gallery caption shown once per slide, a headline repeated in a
    breadcrumb or a teaser. The last copy stays. ``out`` holds the decisions so far (None = kept).

    >>> lines = ["Two men shake hands in Hanoi", "1 / 8", "Two men shake hands in Hanoi", "Title", "Body " * 30]
    >>> feats = [{"words": len(l.split())} for l in lines]
    >>> repeated_above_body(lines, feats, [None] * 5, 2, 25)
    [0]
    """
    kept = [i for i, verdict in enumerate(out) if verdict is None]
    body = next((i for i in kept if feats[i]["words"] >= body_words), 0)  # none: nothing is above it
    above = [i for i in kept if i < body and feats[i]["words"] >= min_words]
    if not above:
        return []
    last = {lines[i]: i for i in kept if i >= above[0]}  # lines are stripped, spaces already tidied
    return [i for i in above if last[lines[i]] != i]


# Region-end markers: a short line after enough body text that starts a section which is not
# the article (reader comments, a related-stories list, the page footer). The first one found
# after the region's start ends the main region; everything after it is removed under the
# marker's hit name. Each is switchable by its key.
REGION_ENDS = (("comment_start", "comment_section"), ("related_start", "related_section"),
               ("footer_start", "page_footer"))


def _region_end(lines, feats, classes, h, start, end, thread=None, stats=None):
    """Apply the region-end markers: ``(end, cut_at, hit_name)``; cut_at = len(lines) if none.

    With ``thread`` (the ``thread_page`` settings), a ``comment_start`` marker followed by at
    least ``min_ratio`` times as many good-line words as the body before it is not a cut: the
    discussion is the bulk of the page (a forum thread, a blog post with its conversation).
    """
    n = len(lines)
    after = None
    markers = []
    for key, hit in REGION_ENDS:
        cut = h.get(key) or {}
        if cut.get("enabled"):
            pattern = cut.get("compiled") or regex.compile(cut["pattern"], regex.IGNORECASE | regex.V1)
            markers.append((cut, pattern, hit))
    stamps = _stamp_lines(lines, feats, h)
    if stamps is not None and _prose_share(classes, feats) >= h["stamp_list"].get("max_page_prose_share", 1.0):
        stamps = None  # a prose page: its stamped items are posts, not chrome
    if not markers and stamps is None:
        return end, n, None
    stamp = h.get("stamp_list") or {}
    body_words = 0
    stamps_before = 0
    for i in range(start, n):
        if stamps is not None and stamps[i] and body_words < stamp["min_body_words"]:
            stamps_before += 1
            if stamps_before >= 2:
                stamps = None  # the stamped items start with the body: a listing page (ads, posts)
        if stamps is not None and stamps[i] and body_words >= stamp["min_body_words"] \
                and sum(stamps[i:i + stamp["window"]]) >= stamp["min_stamps"]:
            if after is None:
                after = _good_words_after(classes, feats)
            if after[i] > stamp.get("max_item_share", 1e9) * body_words * sum(stamps[i:]):
                stamps = None  # items as long as the body: a list of posts (a blog, an archive)
                continue
            if thread:
                if after[i] >= thread["min_ratio"] * body_words:
                    stamps = None  # the stamped items (posts) are the bulk of the page: a thread
                    if stats is not None:
                        stats["thread_page"] = n - i
                    continue
            cut_at = i
            while cut_at - 1 > start and i - cut_at < stamp.get("back", 0) and classes[cut_at - 1] == "weak":
                cut_at -= 1  # the title / author line above the first stamp belongs to its item
            return min(end, cut_at - 1), cut_at, "stamped_list"
        for cut, pattern, hit in markers:
            if body_words >= cut["min_body_words"] and feats[i]["words"] <= cut["max_words"] \
                    and pattern.fullmatch(lines[i]):
                if hit == "related_section" and _resumes(feats, classes, i, cut):
                    continue  # an inline related box: the article goes on right after it
                if thread and hit == "comment_section":
                    if after is None:
                        after = _good_words_after(classes, feats)
                    if after[i] >= thread["min_ratio"] * body_words:
                        if stats is not None:
                            stats["thread_page"] = n - i
                        thread = None  # one decision per page: the first comment heading
                        markers = [m for m in markers if m[2] != "comment_section"]
                        break
                return min(end, i - 1), i, hit
        if classes[i] == "good":
            body_words += feats[i]["words"]
    return end, n, None


def _stamp_lines(lines, feats, h):
    """``stamp_list``: per line, True for a date / time stamp (the ``dateline`` pattern, at most
    ``dateline.max_words`` words, whether or not ``dateline`` itself is enabled); None when off."""
    cfg = h.get("stamp_list") or {}
    if not cfg.get("enabled"):
        return None
    date = h.get("dateline") or {}
    pattern = cfg.get("compiled") or regex.compile(date["pattern"], regex.IGNORECASE | regex.V1)
    limit = date.get("max_words", 10)
    return [f["words"] <= limit and pattern.match(line) is not None for line, f in zip(lines, feats)]


def _resumes(feats, classes, i, cut):
    """True when a good line of at least ``resume_min_words`` words follows marker ``i`` within
    ``resume_window`` lines (``related_start``): the heading opened an inline box of a few teaser
    links inside the article, whose body then goes on; a list at the end of an article is followed
    by teasers, widgets and footers, not by a long paragraph. ``resume_min_words`` 0 = off.
    """
    need = cut.get("resume_min_words", 0)
    if not need:
        return False
    for j in range(i + 1, min(len(feats), i + 1 + cut.get("resume_window", 0))):
        if classes[j] == "good" and feats[j]["words"] >= need:
            return True
    return False


def _good_words_after(classes, feats):
    """``after[i]`` = words in good lines from line ``i`` to the end of the document."""
    after = [0] * (len(classes) + 1)
    for i in range(len(classes) - 1, -1, -1):
        after[i] = after[i + 1] + (feats[i]["words"] if classes[i] == "good" else 0)
    return after


def _extra_regions(scores, lo, hi, limit):
    """Further body segments in ``scores[lo..hi]`` scoring at least ``limit`` (recursive split)."""
    if hi < lo:
        return []
    span = best_region(scores[lo:hi + 1])
    if not span or sum(scores[lo + span[0]:lo + span[1] + 1]) < limit:
        return []
    a, b = lo + span[0], lo + span[1]
    return [(a, b)] + _extra_regions(scores, lo, a - 1, limit) + _extra_regions(scores, b + 1, hi, limit)


HEURISTIC_SWITCHES = ("javascript", "policy_line", "cookie_banner", "lorem_ipsum", "curly_brace", "dateline", "byline", "context",
                      "main_region", "comment_start", "related_start", "footer_start", "scattered_page",
                      "thread_page", "stamp_list", "repeated_above")


def enabled_rule_specs(junk_cfg):
    """The ``junk.rules`` specs whose names are not listed in ``junk.disable`` (a new list)."""
    disabled = set(junk_cfg.get("disable") or ())
    return [r for r in junk_cfg["rules"] if r["name"] not in disabled]


def effective_heuristics(junk_cfg):
    """The ``junk.heuristics`` mapping with the names in ``junk.disable`` switched off (a copy)."""
    h = junk_cfg.get("heuristics")
    if not h:
        return None
    h = copy.deepcopy(h)
    for name in junk_cfg.get("disable") or ():
        if name == "heuristics":
            h["enabled"] = False
        elif name in HEURISTIC_SWITCHES and name in h:
            h[name]["enabled"] = False
    return h


def compile_heuristics(h):
    """Return ``h`` with its regex patterns compiled once (call in ``DoFn.setup``); None stays None."""
    if not h:
        return h
    h = dict(h)
    for key in [k for k, _ in REGION_ENDS] + list(PATTERN_HEURISTICS) + ["cookie_banner"]:
        if (h.get(key) or {}).get("enabled"):
            h[key] = dict(h[key])
            h[key]["compiled"] = regex.compile(h[key]["pattern"], regex.IGNORECASE | regex.V1)
    if (h.get("stamp_list") or {}).get("enabled") and h.get("dateline"):
        h["stamp_list"] = dict(h["stamp_list"])
        h["stamp_list"]["compiled"] = regex.compile(h["dateline"]["pattern"], regex.IGNORECASE | regex.V1)
    return h


RATIO_NAMES = ("symbol_word", "bullet_lines", "ellipsis_lines", "short_lines")


def _content_lines(text):
    return [line for line in map(str.strip, text.split("\n")) if line]


def _ratios(text, lines, names):
    """The document ratios ``names`` (see :func:`doc_ratios`) of ``text`` with its stripped
    non-blank ``lines``; each one is computed only when asked for."""
    if not lines:  # no lines: no words either (both split at the same whitespace)
        return dict.fromkeys(names, 0.0)
    values = {}
    for name in names:
        if name == "symbol_word":
            symbols = text.count("#") + text.count("...") + text.count("\u2026")
            # a text with a non-blank line has a word; no symbols: 0.0 whatever the word count
            values[name] = symbols / len(text.split()) if symbols else 0.0
        elif name == "bullet_lines":
            values[name] = sum(1 for l in lines if BULLET.match(l)) / len(lines)
        elif name == "ellipsis_lines":
            values[name] = sum(1 for l in lines if ("..." in l or "\u2026" in l) and ELLIPSIS.search(l)) / len(lines)
        else:
            values[name] = sum(1 for l in lines if len(l) < 30) / len(lines)
    return values


def doc_ratios(text):
    """Gopher / FineWeb document ratios of a cleaned text.

    Returns ``{"symbol_word", "bullet_lines", "ellipsis_lines", "short_lines"}``: '#' and
    '...' per word; share of lines that start with a bullet, end with an ellipsis, or have
    fewer than 30 characters. All 0.0 for an empty text.

    >>> doc_ratios("a b c\\n- d e")["bullet_lines"]
    0.5
    """
    return _ratios(text, _content_lines(text), RATIO_NAMES)


def ratio_verdict(text, ratios_cfg):
    """``(reason, detail)`` when a cleaned text exceeds an enabled document ratio, else None.

    ``ratios_cfg`` maps ratio name -> ``{"enabled", "max"}`` (``junk.doc_ratios``); a
    document needs at least ``min_lines`` lines to be judged. Only the enabled ratios are
    computed.
    """
    if not ratios_cfg or not ratios_cfg.get("enabled"):
        return None
    names = [name for name in RATIO_NAMES if ratios_cfg[name]["enabled"]]
    lines = _content_lines(text) if names else []
    if len(lines) < ratios_cfg["min_lines"]:
        return None
    values = _ratios(text, lines, names)
    for name in names:
        rule = ratios_cfg[name]
        if values[name] > rule["max"]:
            return f"ratio_{name}", f"{name} ratio {values[name]:.2f} > {rule['max']}"
    return None
