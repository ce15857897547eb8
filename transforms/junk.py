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
import apache_beam as beam
import regex

from transforms.records import REJECTED, reject_doc

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


class JunkRules:
    """The enabled rules of a config, grouped by scope, ready to apply."""

    def __init__(self, rule_specs, timeout=1.0):
        rules = [CompiledRule(s) for s in rule_specs if s.get("enabled", True)]
        self.by_scope = {scope: [r for r in rules if r.scope == scope] for scope in SCOPES}
        self.timeout = timeout

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


def strip_junk(text, rules):
    """Apply ``rules`` (a JunkRules) to ``text``.

    Returns ``(clean_text, hits, removed)``: ``hits`` maps rule name -> lines it hit and
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
            name = rules.first_full_match(line, "line")
            if name:
                hits[name] = hits.get(name, 0) + 1
                removed.append([name, line])
                lines.append(None)
                continue
        lines.append(line)
    _strip_edge(lines, rules, "top", hits, removed)
    _strip_edge(lines, rules, "bottom", hits, removed)
    kept = "\n".join(line for line in lines if line is not None)
    kept = regex.sub(r"\n{3,}", "\n\n", kept).strip()
    return kept, hits, removed


class StripJunkDoc(beam.DoFn):
    """Clean each document's text; documents whose rule timed out go to ``rejected``."""

    def __init__(self, rule_specs, timeout, keep_removed):
        self.rule_specs = rule_specs
        self.timeout = timeout
        self.keep_removed = keep_removed

    def setup(self):
        self.rules = JunkRules(self.rule_specs, self.timeout)

    def process(self, doc):
        try:
            text, hits, removed = strip_junk(doc["text"], self.rules)
        except RuleTimeout as exc:
            yield beam.pvalue.TaggedOutput(REJECTED, reject_doc(
                doc, "junk", "rule_timeout",
                f"rule {exc.rule!r} exceeded {self.timeout}s on this document"))
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
        return docs | "ApplyJunkRules" >> beam.ParDo(StripJunkDoc(
            self.cfg["rules"], self.cfg.get("regex_timeout_s", 1.0),
            self.cfg.get("keep_removed", True))).with_outputs(REJECTED, main="docs")
