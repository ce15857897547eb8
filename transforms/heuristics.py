"""Line heuristics with context: which of a document's lines to keep (C4 / jusText / BTE style).

After the regex rules, every remaining non-blank line gets a class (:mod:`transforms.lines`).
Bad lines go. A weak line is kept when the nearest classified lines on one side (or both,
``context.keep_if``) within ``context.window`` lines are good: a sub-heading, a byline or a
caption inside the body. With ``main_region`` only the densest run of body text is kept (a
maximum-sum segment over line scores, as in Body Text Extraction) and a comment, related or
footer section after it is cut (:mod:`transforms.region_ends`). Two per-page decisions can
overrule the cut: ``scattered_page`` (no dominant article block: keep all but bad lines) and
``thread_page`` (the discussion is the bulk of the page).

Pure functions of the lines and the :class:`transforms.settings.Heuristics` settings.
"""
from collections import Counter

from transforms.lines import PATTERN_HEURISTICS, classify, classify_lines, line_checks
from transforms.region_ends import prose_share, region_end


def _nearest(classes, i, step, window):
    """Class of the nearest non-weak line from compact index ``i`` in direction ``step``."""
    j, seen = i + step, 0
    while 0 <= j < len(classes) and seen < window:
        if classes[j] != "weak":
            return classes[j]
        j += step
        seen += 1
    return None


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
    if good_words < cfg.min_article_words:
        return True
    if prose_share(classes, feats) > cfg.max_prose_share:
        return False
    scores = [f["words"] if c == "good" else -cfg.weak_penalty for c, f in zip(classes, feats)]
    span = best_region(scores)
    if not span or region_share(classes, feats, *span) >= cfg.max_region_share:
        return False
    stops = tokens = 0
    for c, f in zip(classes, feats):
        if c == "weak":
            stops += f["stop"] * f["tokens"]
            tokens += f["tokens"]
    return tokens > 0 and stops / tokens >= cfg.min_weak_stopword_ratio


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


def _extra_regions(scores, lo, hi, limit):
    """Further body segments in ``scores[lo..hi]`` scoring at least ``limit`` (recursive split)."""
    if hi < lo:
        return []
    span = best_region(scores[lo:hi + 1])
    if not span or sum(scores[lo + span[0]:lo + span[1] + 1]) < limit:
        return []
    a, b = lo + span[0], lo + span[1]
    return [(a, b)] + _extra_regions(scores, lo, a - 1, limit) + _extra_regions(scores, b + 1, hi, limit)


def _page_stamps(lines, feats, classified, lows, h):
    """Re-classify, in place, the dateline / byline hits that do not apply on this page.

    A stamp pattern only applies on pages below its ``max_page_prose_share`` (a chrome-heavy
    news page) and hitting at most ``max_hits`` lines (more are the stamps of a list's items:
    posts, comments, listings); else the line is classified as if no pattern matched it.
    """
    base = [c if r not in PATTERN_HEURISTICS else "weak" for c, r in classified]
    share = prose_share(base, feats)
    counts = Counter(rule for _, rule in classified if rule in PATTERN_HEURISTICS)
    unmatched = h.without_stamp_patterns
    unmatched_checks = line_checks(unmatched)
    for i, (c, rule) in enumerate(classified):
        if rule in PATTERN_HEURISTICS:
            cfg = getattr(h, rule)
            if share >= cfg.max_page_prose_share or counts[rule] > cfg.max_hits:
                classified[i] = classify(lines[i], feats[i], unmatched, lows[i], unmatched_checks)


def _context_classes(classified, h):
    """The class of each line as context sees it: a dateline / byline hit (removed all the same)
    counts as weak for its rule's first ``weak_first`` hits, as bad after them."""
    classes = [c for c, _ in classified]
    seen = Counter()
    for i, (_, rule) in enumerate(classified):
        if rule in PATTERN_HEURISTICS:
            seen[rule] += 1
            if seen[rule] <= getattr(h, rule).weak_first:
                classes[i] = "weak"
    return classes


def _apply_context(out, classified, classes, ctx):
    """Remove (in ``out``) each weak line without a good neighbour on enough sides."""
    need = 1 if ctx.keep_if == "either" else 2
    for i, (cls, rule) in enumerate(classified):
        if cls != "weak":
            continue
        before = _nearest(classes, i, -1, ctx.window)
        after = _nearest(classes, i, 1, ctx.window)
        if (before == "good") + (after == "good") < need:
            out[i] = rule


def _keep_scattered(out, classes, stats):
    """A scattered page: keep every line but the bad ones and the stamps (in ``out``)."""
    kept = 0
    for i, cls in enumerate(classes):
        if cls != "bad" and out[i] not in PATTERN_HEURISTICS:
            kept += out[i] is not None
            out[i] = None
    if stats is not None:
        stats["scattered_page"] = kept


def _region_scores(classes, feats, region, share):
    """Line scores of the main-region search: a good line its words (less ``good_offset`` on a
    chrome-heavy page), a bad line ``-bad_penalty``, a weak one ``-weak_penalty`` and per word."""
    offset = region.good_offset if share < region.good_offset_max_share else 0.0
    scores = []
    for cls, f in zip(classes, feats):
        if cls == "good":
            scores.append(float(f["words"]) - offset)
        elif cls == "bad":
            scores.append(-region.bad_penalty)
        else:
            scores.append(-region.weak_penalty - region.weak_penalty_per_word * f["words"])
    return scores


def _extend(out, classes, feats, region, start, end, cut_at):
    """The region ``(start, end)`` grown over the weak lines at its edges that context keeps:
    above it any, below it only those that read like a sentence (``extend_below``)."""
    passable = (None,) + PATTERN_HEURISTICS  # a dateline / byline does not stop the walk
    while start > 0 and classes[start - 1] == "weak" and out[start - 1] in passable:
        start -= 1
    below = region.extend_below
    while end + 1 < cut_at and classes[end + 1] == "weak" and out[end + 1] in passable \
            and (feats[end + 1]["terminal"] and below.terminal
                 or feats[end + 1]["words"] >= below.min_words
                 and feats[end + 1]["stop"] >= below.min_stopword_ratio):
        end += 1  # below the body: only weak lines that read like a sentence (a short last
        # sentence, an unterminated last line), not the share lines, tags and teasers
    return start, end


def _cut_to_region(out, lines, feats, classified, classes, h, stats):
    """Keep (in ``out``) only the main region and the further segments that score enough;
    lines after a region-end marker go under the marker's hit name."""
    region = h.main_region
    n = len(lines)
    share = prose_share(classes, feats, region.good_offset_weak_min_stop)
    scores = _region_scores(classes, feats, region, share)
    span = best_region(scores)
    start, end = span if span else (0, n - 1)
    thread = h.thread_page if h.thread_page.enabled else None
    end, cut_at, cut_rule = region_end(lines, feats, classes, h, start, end, thread, stats)
    if region.extend_with_context:
        start, end = _extend(out, classes, feats, region, start, end, cut_at)
    inside = [start <= i <= end for i in range(n)]
    if region.keep_weak_inside and share >= region.keep_weak_min_share:
        for i in range(start, end + 1):
            if classified[i][0] == "weak":
                out[i] = None
    if region.extra_min_score > 0:
        for lo, hi in ((0, start - 1), (end + 1, cut_at - 1)):
            for a, b in _extra_regions(scores, lo, hi, region.extra_min_score):
                for i in range(a, b + 1):
                    inside[i] = True
    for i in range(n):
        if not inside[i] and out[i] is None:
            out[i] = cut_rule if i >= cut_at else "outside_main_region"
    if h.repeated_above.enabled:
        for i in repeated_above_body(lines, feats, out, h.repeated_above.min_words, h.good_line.long_words):
            out[i] = "repeated_line"


def line_decisions(lines, h, stats=None):
    """Decide which lines of a document to keep with the context heuristics ``h`` (a Heuristics).

    ``lines`` is the list of non-blank stripped lines. Returns a list of the same length,
    each entry None (keep) or the name of the heuristic that removes the line. ``stats``
    (a dict, optional) receives the per-page decisions: ``scattered_page`` / ``thread_page``
    -> number of lines they kept.
    """
    n = len(lines)
    if not n or not h.enabled:
        return [None] * n
    feats, classified, lows = classify_lines(lines, h)
    if any(rule in PATTERN_HEURISTICS for _, rule in classified):
        _page_stamps(lines, feats, classified, lows, h)
    out = [rule if cls == "bad" else None for cls, rule in classified]
    classes = _context_classes(classified, h)
    if h.context.enabled:
        _apply_context(out, classified, classes, h.context)
    if not h.main_region.enabled:
        return out
    if h.scattered_page.enabled and is_scattered_page(classes, feats, h.scattered_page):
        _keep_scattered(out, classes, stats)  # no dominant article block: a list / table / directory page
    elif "good" in classes:
        _cut_to_region(out, lines, feats, classified, classes, h, stats)
    return out
