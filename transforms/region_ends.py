"""Region-end markers: where the article's main region stops.

A short line after enough body text that starts a section which is not the article (reader
comments, a related-stories list, the page footer) ends the main region; everything after it
is removed under the marker's hit name. A run of date / time stamps after the body
(``stamp_list``: stamped comments, dated teaser lists) does the same. Each marker is
switchable by its key in :class:`transforms.settings.Heuristics`.
"""

#: (settings key, hit name) of the heading markers
REGION_ENDS = (("comment_start", "comment_section"), ("related_start", "related_section"),
               ("footer_start", "page_footer"))


def prose_share(classes, feats, weak_min_stop=None):
    """Share of a document's words that are in good lines (0.0 for no words); with
    ``weak_min_stop``, weak lines whose stopword density reaches it count too (prose hard-wrapped
    across lines, as in e-mail or plain-text articles, reads as language, not as chrome).

    >>> feats = [{"words": 10, "stop": 0.0}, {"words": 10, "stop": 0.4}, {"words": 20, "stop": 0.5}]
    >>> prose_share(["weak", "weak", "good"], feats), prose_share(["weak", "weak", "good"], feats, 0.3)
    (0.5, 0.75)
    """
    total = sum(f["words"] for f in feats)
    good = sum(f["words"] for c, f in zip(classes, feats)
               if c == "good" or (weak_min_stop is not None and c == "weak" and f["stop"] >= weak_min_stop))
    return good / total if total else 0.0


def _stamp_lines(lines, feats, h):
    """``stamp_list``: per line, True for a date / time stamp (the ``dateline`` pattern, at most
    ``dateline.max_words`` words, whether or not ``dateline`` itself is enabled); None when off."""
    if not h.stamp_list.enabled:
        return None
    pattern, limit = h.dateline.compiled, h.dateline.max_words
    return [f["words"] <= limit and pattern.match(line) is not None for line, f in zip(lines, feats)]


def _resumes(feats, classes, i, cut):
    """True when a good line of at least ``resume_min_words`` words follows marker ``i`` within
    ``resume_window`` lines (``related_start``): the heading opened an inline box of a few teaser
    links inside the article, whose body then goes on; a list at the end of an article is followed
    by teasers, widgets and footers, not by a long paragraph. ``resume_min_words`` 0 = off.
    """
    need = cut.resume_min_words
    if not need:
        return False
    for j in range(i + 1, min(len(feats), i + 1 + cut.resume_window)):
        if classes[j] == "good" and feats[j]["words"] >= need:
            return True
    return False


def _good_words_after(classes, feats):
    """``after[i]`` = words in good lines from line ``i`` to the end of the document."""
    after = [0] * (len(classes) + 1)
    for i in range(len(classes) - 1, -1, -1):
        after[i] = after[i + 1] + (feats[i]["words"] if classes[i] == "good" else 0)
    return after


def region_end(lines, feats, classes, h, start, end, thread=None, stats=None):
    """Apply the region-end markers: ``(end, cut_at, hit_name)``; cut_at = len(lines) if none.

    With ``thread`` (the ``thread_page`` settings), a ``comment_start`` marker followed by at
    least ``min_ratio`` times as many good-line words as the body before it is not a cut: the
    discussion is the bulk of the page (a forum thread, a blog post with its conversation).
    """
    n = len(lines)
    after = None
    markers = [(getattr(h, key), hit) for key, hit in REGION_ENDS if getattr(h, key).enabled]
    stamps = _stamp_lines(lines, feats, h)
    stamp = h.stamp_list
    if stamps is not None and prose_share(classes, feats) >= stamp.max_page_prose_share:
        stamps = None  # a prose page: its stamped items are posts, not chrome
    if not markers and stamps is None:
        return end, n, None
    body_words = 0
    stamps_before = 0
    for i in range(start, n):
        if stamps is not None and stamps[i] and body_words < stamp.min_body_words:
            stamps_before += 1
            if stamps_before >= 2:
                stamps = None  # the stamped items start with the body: a listing page (ads, posts)
        if stamps is not None and stamps[i] and body_words >= stamp.min_body_words \
                and sum(stamps[i:i + stamp.window]) >= stamp.min_stamps:
            if after is None:
                after = _good_words_after(classes, feats)
            if after[i] > stamp.max_item_share * body_words * sum(stamps[i:]):
                stamps = None  # items as long as the body: a list of posts (a blog, an archive)
                continue
            if thread:
                if after[i] >= thread.min_ratio * body_words:
                    stamps = None  # the stamped items (posts) are the bulk of the page: a thread
                    if stats is not None:
                        stats["thread_page"] = n - i
                    continue
            cut_at = i
            while cut_at - 1 > start and i - cut_at < stamp.back and classes[cut_at - 1] == "weak":
                cut_at -= 1  # the title / author line above the first stamp belongs to its item
            return min(end, cut_at - 1), cut_at, "stamped_list"
        for cut, hit in markers:
            if body_words >= cut.min_body_words and feats[i]["words"] <= cut.max_words \
                    and cut.compiled.fullmatch(lines[i]):
                if hit == "related_section" and _resumes(feats, classes, i, cut):
                    continue  # an inline related box: the article goes on right after it
                if thread and hit == "comment_section":
                    if after is None:
                        after = _good_words_after(classes, feats)
                    if after[i] >= thread.min_ratio * body_words:
                        if stats is not None:
                            stats["thread_page"] = n - i
                        thread = None  # one decision per page: the first comment heading
                        markers = [m for m in markers if m[1] != "comment_section"]
                        break
                return min(end, i - 1), i, hit
        if classes[i] == "good":
            body_words += feats[i]["words"]
    return end, n, None
