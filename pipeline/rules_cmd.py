"""``textwash rules [--config FILE] [--preset NAME] [--set key=value] [--run OUT]``: the junk
rules and heuristics in effect.

For every rule: its name, scope, description, and what it does to its own ``example`` (the
example is run through the real rule, so a rule whose example it does not remove is flagged).
Then every line heuristic, the document ratios and corpus boilerplate with their settings.
With ``--run OUT`` each rule and heuristic verdict also shows what it removed in that run
(from ``OUT/stats.json``).
"""
import dataclasses
import json
import os

from pipeline.config import ConfigError, add_config_arguments, load_settings
from transforms.junk import strip_junk
from transforms.rules import JunkRules, RuleTimeout


def try_example(spec, timeout=1.0):
    """Run one rule alone on its ``example`` (as a document of the rule's first language, if it
    names any); return ``(removed fragments, text left)`` or None.

    None means the rule has no example. ``removed`` is empty when the rule left the example alone.

    >>> from transforms.settings import RuleSpec
    >>> try_example(RuleSpec("ad", "line", "AD", example="AD"))
    (['AD'], '')
    """
    example = spec.example
    if not example:
        return None
    rules = JunkRules([dataclasses.replace(spec, enabled=True)], timeout)
    try:
        kept, _, removed = strip_junk(str(example), rules, lang=spec.languages[0] if spec.languages else None)
    except RuleTimeout:
        return ["(timed out)"], str(example)
    return [fragment for _, fragment in removed], kept


def run_hits(out_dir):
    """``{name: {"docs", "lines"}}``: what each rule and heuristic verdict removed in the run
    written to ``out_dir`` (its ``stats.json``)."""
    path = os.path.join(out_dir, "stats.json")
    if not os.path.exists(path):
        raise ConfigError(f"--run {out_dir}: no stats.json there (not the output of a finished run)")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle).get("rules", {})


def _hit_text(hits, name):
    hit = hits.get(name) if hits is not None else None
    if hits is None:
        return ""
    return f"  -> {hit['lines']:,} line(s) in {hit['docs']:,} doc(s)" if hit else "  -> never fired"


def _settings_text(block):
    """``key=value`` pairs of a settings block (patterns and phrase lists shortened)."""
    parts = []
    for key, value in dataclasses.asdict(block).items():
        if key == "enabled":
            continue
        text = json.dumps(value, ensure_ascii=False) if not isinstance(value, (int, float)) else str(value)
        parts.append(f"{key}={text[:57] + '...' if len(text) > 60 else text}")
    return ", ".join(parts)


def format_heuristics(junk, hits=None):
    """Text listing of the line heuristics, document ratios and corpus boilerplate of a
    :class:`transforms.settings.JunkSettings`, on/off with their settings; with ``hits`` (a
    run's counts) the verdict names that run saw, with their counts."""
    h = junk.heuristics
    state = "on" if h.enabled else "OFF (junk.heuristics.enabled=false)"
    lines = [f"line heuristics: {state}; each line is good, weak or bad, then context decides", ""]
    for name in [f.name for f in dataclasses.fields(h) if f.name != "enabled"]:
        block = getattr(h, name)
        switch = "" if not hasattr(block, "enabled") else ("on " if block.enabled and h.enabled else "OFF ")
        lines.append(f"{name}  [{switch.strip() or 'setting'}]  {_settings_text(block)}".rstrip())
    for name, block in (("doc_ratios", junk.doc_ratios), ("boilerplate", junk.boilerplate)):
        lines.append(f"{name}  [{'on' if block.enabled else 'OFF'}]  {_settings_text(block)}")
    if hits is not None:
        rule_names = {r.name for r in junk.rules}
        verdicts = sorted(((v["lines"], v["docs"], k) for k, v in hits.items() if k not in rule_names),
                          reverse=True)
        lines += ["", "heuristic verdicts in that run (lines removed, documents):"]
        lines += [f"  {name}: {n:,} line(s) in {docs:,} doc(s)" for n, docs, name in verdicts] or ["  none"]
    return "\n".join(lines) + "\n"


def format_rules(junk, source="configs/default.yaml", hits=None):
    """Text listing of the rules of the junk settings ``junk`` (:class:`transforms.settings.JunkSettings`;
    enabled first, then disabled) with examples; with ``hits`` (:func:`run_hits`) what each
    removed in that run."""
    enabled = [r for r in junk.rules if r.enabled]
    disabled = [r for r in junk.rules if not r.enabled]
    timeout = junk.regex_timeout_s
    lines = [f"{len(enabled)} junk rule(s) in effect ({source}); applied per line: inline rules first, "
             "then whole-line rules, then top / bottom edge rules", ""]
    for spec in enabled + disabled:
        scope = spec.scope
        extra = f", first/last {spec.max_lines} lines" if scope in ("top", "bottom") else ""
        flags = ", ignore case" if spec.ignore_case else ""
        flags += f", languages: {', '.join(spec.languages)}" if spec.languages else ""
        state = "" if spec.enabled else "  (DISABLED)"
        lines.append(f"{spec.name}  [{scope}{extra}{flags}]{state}{_hit_text(hits, spec.name)}")
        lines.append(f"  {spec.description or '(no description)'}")
        result = try_example(spec, timeout)
        if result is None:
            lines.append("  example: (none given)")
        else:
            removed, kept = result
            lines.append(f"  example: {spec.example!r}")
            if not removed:
                lines.append("  removes: NOTHING - the example does not match this rule")
            else:
                lines.append("  removes: " + ", ".join(repr(f) for f in removed)
                             + (f"  keeps: {kept!r}" if kept else "  (the whole line)"))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def add_parser(sub):
    """Register the ``rules`` subcommand on an argparse subparsers object."""
    p = sub.add_parser("rules", help="list the junk rules and heuristics in effect, with an example of what each rule removes",
                       description="List the junk rules in effect (default config, or with a config "
                                   "file / preset / overrides), each with its description and what "
                                   "it removes from its example.")
    add_config_arguments(p, set_example="junk.disable=[shorts_widget]")
    p.add_argument("--run", metavar="OUT", help="also show what each rule and heuristic removed in the run "
                                                 "written to OUT (its stats.json)")
    return p


def command(args):
    """Run ``textwash rules``: print the listing; returns 0."""
    junk = load_settings(args.config, args.preset, args.overrides).junk
    parts = ["configs/default.yaml"] + ([f"preset {args.preset}"] if args.preset else []) \
        + ([args.config] if args.config else []) + [f"--set {o}" for o in args.overrides]
    hits = run_hits(args.run) if args.run else None
    print(format_rules(junk, " + ".join(parts), hits), end="")
    print()
    print(format_heuristics(junk, hits), end="")
    return 0
