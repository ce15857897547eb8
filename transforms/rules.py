"""The regex rule engine of the junk stage: named rules remove widget fragments, share bars,
comment forms, slugs.

Every rule (a :class:`transforms.settings.RuleSpec`) has a ``name`` and a ``scope``:

- ``line``: the whole (stripped) line matches ``pattern`` -> the line is removed;
- ``inline``: ``pattern`` is replaced by ``replace`` (default "") inside a line, the rest
  of the line stays ("More ShortsThe timing ..." -> "The timing ...");
- ``top`` / ``bottom``: like ``line``, but only for the first / last ``max_lines``
  non-blank lines, scanning inward from the edge while lines keep matching (slugs,
  section labels, footers).

A rule with ``languages`` (ISO 639-1 codes) applies only to documents detected as one of
them (``doc["lang"]``, :mod:`transforms.language`); :meth:`JunkRules.for_language` gives the
rules of one language, built once per language (a document of a language no rule names pays
nothing for the others' rules).

Rules are compiled once per worker (``DoFn.setup``). A regex call that could stall has a
timeout (``junk.regex_timeout_s``); a rule that times out raises :class:`RuleTimeout` naming it,
so the document can be rejected with the rule's name instead of stalling. That is every call of
a rule you add or change, and every call on a line longer than :data:`UNTIMED_MAX_CHARS`. A rule
textwash ships (its pattern and flags as in ``configs/``, :func:`shipped_patterns`) meets shorter
lines without one: its quantifiers are bounded or possessive, so such a line takes it
microseconds (``tests/test_rule_safety.py`` tries each on worst-case lines of that length), and
a timed call costs more than the match: the ``regex`` module reads the process CPU clock, a
system call, when the call starts and again as it runs.
"""
import functools
import glob
import os

import regex

from transforms.settings import SCOPES, RuleSpec

#: the longest line a shipped rule meets without a per-call timeout (see the module docstring)
UNTIMED_MAX_CHARS = 2000

#: lines whose outcome a :class:`JunkRules` remembers (:meth:`JunkRules.line_outcome`); when
#: full, it forgets them all and starts again (a few MB at most)
OUTCOME_CACHE_LINES = 20000

CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "configs")


@functools.lru_cache(maxsize=1)
def shipped_patterns():
    """The ``(pattern, flags)`` of every junk rule in the YAML files of ``configs/`` (defaults and
    presets): the rules textwash ships and tests, frozenset.

    >>> from pipeline.config import load_settings
    >>> all((rule.pattern, rule.flags) in shipped_patterns() for rule in load_settings().junk.rules)
    True
    """
    from pipeline.config import read_yaml
    shipped = set()
    for path in glob.glob(os.path.join(CONFIG_DIR, "*.yaml")) + glob.glob(os.path.join(CONFIG_DIR, "*", "*.yaml")):
        junk = read_yaml(path).get("junk") or {}
        for i, item in enumerate((junk.get("rules") or []) + (junk.get("extra_rules") or [])):
            spec = RuleSpec.from_dict(item, f"{path}: junk.rules[{i}]")
            shipped.add((spec.pattern, spec.flags))
    return frozenset(shipped)


class RuleTimeout(Exception):
    """A rule's regex exceeded the per-call timeout; ``rule`` names it."""

    def __init__(self, rule):
        super().__init__(f"rule {rule!r} timed out")
        self.rule = rule


class CompiledRule:
    """One junk rule (a :class:`transforms.settings.RuleSpec`), compiled: ``name``, ``scope``,
    ``regex`` (compiled on first use: a worker compiles only the rules of the languages it
    meets), ``replace``, ``max_lines``, ``languages``; ``shipped``: its pattern is one textwash
    ships (:func:`shipped_patterns`)."""

    __slots__ = ("name", "scope", "pattern", "flags", "_regex", "replace", "max_lines", "languages", "shipped")

    def __init__(self, spec):
        self.name = spec.name
        self.scope = spec.scope
        self.pattern, self.flags = spec.pattern, spec.flags
        self.shipped = (spec.pattern, spec.flags) in shipped_patterns()
        self._regex = None
        self.replace = spec.replace
        self.max_lines = spec.max_lines
        self.languages = frozenset(spec.languages)

    @property
    def regex(self):
        """The compiled pattern."""
        if self._regex is None:
            self._regex = regex.compile(self.pattern, self.flags)
        return self._regex

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__ if k != "_regex"}

    def __setstate__(self, state):
        for key, value in state.items():
            setattr(self, key, value)
        self._regex = None

    def applies_to(self, lang):
        """True when the rule applies to a document of language ``lang`` (no ``languages``: all)."""
        return not self.languages or lang in self.languages


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
        pattern = rule.pattern
        if _NOT_COMBINABLE.search(pattern):
            return None
        flags = "i" if rule.flags & regex.IGNORECASE else ""
        parts.append(f"(?{flags}:{pattern})" if flags else f"(?:{pattern})")
    try:
        return regex.compile("|".join(parts), regex.V1)
    except (regex.error, ValueError, TypeError):
        return None


_UNSET = object()


class JunkRules:
    """The enabled rules of a config, grouped by scope, ready to apply (every rule, whatever its
    ``languages``; :meth:`for_language` narrows them to one document language).

    ``combined`` (default True): a line meets the ``line`` rules through one
    :func:`combined_line_check` call, and the rules one by one only where that call matches,
    and a line met again takes its outcome from a cache (:meth:`line_outcome`); False tries
    every rule on every line, every time (the reference the tests compare against).
    """

    def __init__(self, rule_specs, timeout=1.0, combined=True):
        self._init([CompiledRule(s) for s in rule_specs if s.enabled], timeout, combined)

    def _init(self, rules, timeout, combined=True):
        self.rules = rules
        self.by_scope = {scope: [r for r in rules if r.scope == scope] for scope in SCOPES}
        self.timeout = timeout
        self.combined = combined
        self._line_check = _UNSET  # built on first use (a language's view has its own)
        self._line_check_shipped = all(r.shipped for r in self.by_scope["line"])
        self._inline_shipped = all(r.shipped for r in self.by_scope["inline"])
        self._outcomes_kept = combined and self._line_check_shipped and self._inline_shipped
        self._outcomes = {}
        self._languages = {}

    @property
    def line_check(self):
        """:func:`combined_line_check` of the line rules (None: check them one by one)."""
        if self._line_check is _UNSET:
            self._line_check = combined_line_check(self.by_scope["line"]) if self.combined else None
        return self._line_check

    def __getstate__(self):
        return {"rules": self.rules, "timeout": self.timeout, "combined": self.combined}

    def __setstate__(self, state):
        self._init(state["rules"], state["timeout"], state["combined"])

    def for_language(self, lang):
        """The rules that apply to a document of language ``lang``: those without ``languages``
        and those that list it (a JunkRules of its own, with its own combined line check, built
        once per language; ``lang`` None = unknown: only the rules without ``languages``).
        Without any language-limited rule, this object itself.

        >>> from transforms.settings import RuleSpec
        >>> rules = JunkRules([RuleSpec("a", "line", "x"), RuleSpec("b", "line", "y", languages=("zh",))])
        >>> [r.name for r in rules.for_language("zh").rules], [r.name for r in rules.for_language("en").rules]
        (['a', 'b'], ['a'])
        >>> [r.name for r in rules.for_language(None).rules], rules.for_language("ru") is rules.for_language(None)
        (['a'], True)
        """
        view = self._languages.get(lang)
        if view is None:
            chosen = [r for r in self.rules if r.applies_to(lang)]
            key = tuple(r.name for r in chosen)  # languages without rules of their own share a view
            view = self._languages.get(key)
            if view is None:
                if len(chosen) == len(self.rules):
                    view = self
                else:
                    view = JunkRules.__new__(JunkRules)
                    view._init(chosen, self.timeout, self.combined)
                self._languages[key] = view
            self._languages[lang] = view
        return view

    def any_line_rule(self, line):
        """False when no ``line`` rule can fully match ``line`` (one combined call); else True."""
        check = self._line_check
        if check is _UNSET:
            check = self.line_check
        if check is None:
            return True
        if self._line_check_shipped and len(line) <= UNTIMED_MAX_CHARS:
            return check.fullmatch(line) is not None
        try:
            return check.fullmatch(line, timeout=self.timeout) is not None
        except TimeoutError:
            return True  # let the rules one by one decide (and name the slow one)

    def _call(self, rule, method, line, *before):
        """``rule``'s regex ``method`` on ``line`` (``before``: the arguments ahead of it, as
        ``sub``'s replacement), timed unless the rule is shipped and the line short."""
        pattern = rule._regex or rule.regex
        if rule.shipped and len(line) <= UNTIMED_MAX_CHARS:
            return getattr(pattern, method)(*before, line)
        try:
            return getattr(pattern, method)(*before, line, timeout=self.timeout)
        except TimeoutError:
            raise RuleTimeout(rule.name) from None

    def first_full_match(self, line, scope):
        """Name of the first ``scope`` rule whose pattern matches all of ``line``, else None."""
        for rule in self.by_scope[scope]:
            if self._call(rule, "fullmatch", line):
                return rule.name
        return None

    def _inline(self, line):
        """``(line, pairs)``: ``line`` with the inline rules applied, and the ``(rule, removed
        fragment)`` pairs of the rules that hit, in order."""
        pairs = ()
        # one check a line of what _call decides a rule: the loop runs on every line of the corpus
        untimed = self._inline_shipped and len(line) <= UNTIMED_MAX_CHARS
        for rule in self.by_scope["inline"]:
            found = (rule._regex or rule.regex).search(line) if untimed else self._call(rule, "search", line)
            if found:
                pairs += ((rule.name, found.group(0)),)
                line = self._call(rule, "sub", line, rule.replace).strip()
        return line, pairs

    def line_outcome(self, line):
        """What the ``inline`` and ``line`` rules make of one non-empty line: ``(kept, hits)``,
        ``kept`` the line as kept (inline fragments cut) or None where a rule removed it,
        ``hits`` the ``(rule, removed text)`` pairs in the order the rules hit. Raises
        RuleTimeout when a rule times out.

        A line met again (signatures, quote marks, a site's chrome: a fifth of the lines of 20
        Newsgroups, more on web pages) gets its outcome from a cache when every call it took
        was untimed (shipped rules, a line of up to UNTIMED_MAX_CHARS): the same rules give the
        same outcome, a timed call might not.

        >>> from transforms.settings import RuleSpec
        >>> rules = JunkRules([RuleSpec("share", "line", "Share"), RuleSpec("tag", "inline", "^More ")])
        >>> rules.line_outcome("More text"), rules.line_outcome("More Share")
        (('text', (('tag', 'More '),)), (None, (('tag', 'More '), ('share', 'Share'))))
        """
        outcome = self._outcomes.get(line)
        if outcome is None:
            outcome = self._new_line_outcome(line)
            if self._outcomes_kept and len(line) <= UNTIMED_MAX_CHARS:
                if len(self._outcomes) >= OUTCOME_CACHE_LINES:
                    self._outcomes.clear()
                self._outcomes[line] = outcome
        return outcome

    def _new_line_outcome(self, line):
        """:meth:`line_outcome` of ``line``, the rules applied (not from the cache)."""
        kept, pairs = self._inline(line)
        if not kept:
            return None, pairs
        if not self.any_line_rule(kept):  # most lines end here
            return kept, pairs
        name = self.first_full_match(kept, "line")
        return (None, pairs + ((name, kept),)) if name else (kept, pairs)


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


def apply_rules(text, rules, hits, removed):
    """Apply ``rules`` (a :class:`JunkRules`, already narrowed to the document's language when
    it has one: :meth:`JunkRules.for_language`) to the lines of ``text``.

    Returns the list of lines, each the line as kept (inline fragments cut) or None where a
    rule removed it; each hit is counted in ``hits`` (rule name -> lines) and appended to
    ``removed`` as ``[rule, removed text]``. Raises RuleTimeout when a rule times out.

    >>> from transforms.settings import RuleSpec
    >>> rules = JunkRules([RuleSpec("share", "line", "Share"), RuleSpec("tag", "inline", "^More ")])
    >>> hits, removed = {}, []
    >>> apply_rules("More text\\nShare", rules, hits, removed), hits
    (['text', None], {'tag': 1, 'share': 1})
    """
    lines = []
    outcome_of = rules.line_outcome
    for line in text.split("\n"):
        if line:
            line, line_hits = outcome_of(line)
            for name, fragment in line_hits:
                hits[name] = hits.get(name, 0) + 1
                removed.append([name, fragment])
        lines.append(line)
    _strip_edge(lines, rules, "top", hits, removed)
    _strip_edge(lines, rules, "bottom", hits, removed)
    return lines
