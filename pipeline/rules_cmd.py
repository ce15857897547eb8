"""``textwash rules [--config FILE] [--preset NAME] [--set key=value]``: the junk rules in effect.

For every rule: its name, scope, description, and what it does to its own ``example`` (the
example is run through the real rule, so a rule whose example it does not remove is flagged).
"""
import dataclasses

from pipeline.config import add_config_arguments, load_config
from transforms.junk import strip_junk
from transforms.rules import JunkRules, RuleTimeout
from transforms.settings import junk_settings


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


def format_rules(cfg, source="configs/default.yaml"):
    """Text listing of the junk rules of ``cfg`` (enabled first, then disabled) with examples."""
    junk = junk_settings(cfg["junk"])
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
        lines.append(f"{spec.name}  [{scope}{extra}{flags}]{state}")
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
    p = sub.add_parser("rules", help="list the junk rules in effect, with an example of what each removes",
                       description="List the junk rules in effect (default config, or with a config "
                                   "file / preset / overrides), each with its description and what "
                                   "it removes from its example.")
    add_config_arguments(p, set_example="junk.disable=[shorts_widget]")
    return p


def command(args):
    """Run ``textwash rules``: print the listing; returns 0."""
    cfg = load_config(args.config, args.preset, args.overrides)
    parts = ["configs/default.yaml"] + ([f"preset {args.preset}"] if args.preset else []) \
        + ([args.config] if args.config else []) + [f"--set {o}" for o in args.overrides]
    print(format_rules(cfg, " + ".join(parts)), end="")
    return 0
