"""Build ``data/multilingual/corpus.jsonl`` and ``truth.jsonl`` from the texts in ``articles.json``.

The articles are original texts written for textwash's tests (places and people are made
up). Per language: an article (``orig``), a near copy with a few edited characters or words
(``near``), the article wrapped in that language's web chrome (``chrome``: breadcrumb, share
bars, editor line, follow / app prompt, related list, comment heading, copyright footer) and
a different article on the same topic (``other``). ``truth.jsonl`` records per document its
language, kind, the article it copies, the article's last body sentence, and the exact
Jaccard with the article of character 5-grams (``jc5``) and of the pipeline's 5-token
shingles (``j5``: character 5-grams in Chinese, Japanese and Thai, word 5-grams elsewhere).

    PYTHONPATH=. python data/multilingual/make_corpus.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from transforms.minhash import shingles  # noqa: E402
from transforms.normalize import ftfy_config, normalize_text  # noqa: E402


def load_articles(path=os.path.join(HERE, "articles.json")):
    """lang -> title, body paragraphs, edits for the near copy [[old, new]], chrome above / below
    the article, the other article [title, paragraphs] (the texts, in ``articles.json``)."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def article_text(title, paragraphs):
    return "\n\n".join([title, *paragraphs])


def near_copy(text, edits):
    for old, new in edits:
        assert text.count(old) == 1, (old, text[:40])
        text = text.replace(old, new)
    return text


def char_ngrams(text, n=5):
    """Character n-grams of the NFKC, lower-cased text with whitespace runs as one space."""
    import unicodedata
    flat = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return {flat[i:i + n] for i in range(max(1, len(flat) - n + 1))}


def last_sentence(paragraph, lang):
    """The last sentence of a paragraph (Thai: the last space-separated run, its sentence break)."""
    import regex
    if lang == "th":
        return paragraph.split(" ")[-1]
    parts = [p for p in regex.split(r"(?<=[。.!?！？])\s*", paragraph) if p.strip()]
    return parts[-1]


def jaccard(a, b):
    return len(a & b) / len(a | b) if a | b else 0.0


def build():
    ftfy = ftfy_config()
    docs, truth = [], []
    for lang, art in load_articles().items():
        orig = article_text(art["title"], art["body"])
        texts = {
            "orig": orig,
            "near": near_copy(orig, art["edits"]),
            "chrome": "\n\n".join(art["above"] + [orig] + art["below"]),
            "other": article_text(*art["other"]),
        }
        base = normalize_text(orig, ftfy)
        for kind, text in texts.items():
            doc_id = f"{lang}-{kind}"
            docs.append({"id": doc_id, "text": text})
            clean = normalize_text(text, ftfy)
            truth.append({
                "id": doc_id, "lang": lang, "kind": kind, "of": None if kind == "other" else f"{lang}-orig",
                "last_sentence": last_sentence(normalize_text(text, ftfy).split("\n\n")[-1] if kind != "chrome"
                                               else art["body"][-1], lang),
                "jc5": round(jaccard(char_ngrams(clean), char_ngrams(base)), 4),
                "j5": round(jaccard(shingles(clean, 5), shingles(base, 5)), 4),
            })
    return docs, truth


def main():
    docs, truth = build()
    for name, rows in (("corpus.jsonl", docs), ("truth.jsonl", truth)):
        with open(os.path.join(HERE, name), "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    for row in truth:
        print(f"{row['id']:<10} jc5 {row['jc5']:.3f}  j5 {row['j5']:.3f}")


if __name__ == "__main__":
    main()
