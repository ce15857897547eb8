"""The record shapes that travel between stages, and the tags of side outputs.

A *document* is a plain dict (picklable, cheap to encode)::

    {"id": str, "source": str, "text": str, "meta": dict, "lang": str,
     "junk_hits": {rule: lines}, "removed": [[rule, line], ...]}

(``lang``: the ISO 639-1 code detected right after normalization, ``und`` when unknown.)

A *rejected* record says where and why a document left the pipeline::

    {"id", "source", "stage", "reason", "detail", "text", "lang"}

(``lang`` None for a record rejected before its language was detected: at read.)
"""

REJECTED = "rejected"
MAX_REJECTED_TEXT = 2000


def make_doc(doc_id, text, source, meta=None):
    """Build a document dict from an id, its text, the source it came from and optional metadata."""
    return {"id": doc_id, "source": source, "text": text, "meta": dict(meta or {})}


def make_rejected(doc_id, source, stage, reason, detail="", text="", lang=None):
    """Build a rejected record; ``text`` is cut to MAX_REJECTED_TEXT characters.

    >>> make_rejected("a", "f.txt", "filter", "too_short", "3 words < 20")["reason"]
    'too_short'
    """
    text = text or ""
    if len(text) > MAX_REJECTED_TEXT:
        text = text[:MAX_REJECTED_TEXT] + "…[truncated]"
    return {"id": doc_id, "source": source, "stage": stage, "reason": reason,
            "detail": str(detail), "text": text, "lang": lang}


def reject_doc(doc, stage, reason, detail=""):
    """Turn a document dict into a rejected record, keeping the text as far as it got."""
    return make_rejected(doc["id"], doc.get("source", ""), stage, reason, detail, doc.get("text", ""),
                         doc.get("lang"))
