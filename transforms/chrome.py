"""Web chrome: does a document look like a scraped web page at all?

The line heuristics that need context (``short_line``, ``no_terminal_punct``,
``outside_main_region``, the region-end cuts, the date / byline stamps, ``curly_brace``) and the
document ratios were tuned on web pages, where short unterminated lines are menus, link lists
and share bars. On text that is already clean (a plain article, a newswire item with its table,
an e-mail-like post, a poem, a recipe) the same lines are sub-headings, table rows, signatures
and verses. So they apply only to a document that shows web chrome; any other document gets the
regex rules alone (hit name ``no_chrome``: a per-page decision, 0 lines).

A document shows chrome when (``junk.heuristics.chrome``, measured in ``docs/cleaning.md``):

- a regex rule hit one of its lines (share bar, comment form, newsletter prompt, gallery widget,
  copyright footer, ...), rules in ``ignore_rules`` aside (``punctuation_only_line``: separator
  lines, quote bars and closing braces are as common in plain text as on pages);
- or a hard heuristic that only web pages trip hit a line: ``policy_line``, ``cookie_banner``,
  ``lorem_ipsum`` (not ``javascript``: on the web sets it adds no page the other signals miss,
  and it hits the headline of an article about JavaScript; not ``curly_brace``: code in an
  article; not the date / byline stamps);
- or it has a menu: ``menu_run`` lines in a row that each look like a menu item (at most
  MENU_ITEM_WORDS words and MENU_ITEM_CHARS characters, starting with a letter, no sentence end,
  at least MENU_ITEM_LETTERS of the characters other than spaces letters, no "@": not a table
  row, a list of numbers, uuencoded data or a signature line with an address).
"""
from transforms.lines import TERMINAL

#: what a menu item looks like (see the module docstring): words, characters, letter share
MENU_ITEM_WORDS = 3
MENU_ITEM_CHARS = 30
MENU_ITEM_LETTERS = 0.7

#: a menu item does not end like a sentence nor with a comma (a list inside a sentence, a
#: signature's "Thanks,")
NOT_MENU_END = TERMINAL + (",",)

#: hit name of the per-page decision "no chrome: the rules only"
NO_CHROME = "no_chrome"


def is_menu_item(line):
    """True when a stripped, non-blank ``line`` looks like a menu item or a link of a list.

    >>> [is_menu_item(x) for x in ("World news", "Pay April 30", "Shr 45 cts vs 58 cts", "Thanks,", "3 $5")]
    [True, True, False, False, False]
    """
    if len(line) > MENU_ITEM_CHARS or not line[0].isalpha() or line.endswith(NOT_MENU_END) or "@" in line:
        return False
    words = line.split()
    if len(words) > MENU_ITEM_WORDS:
        return False
    letters = sum(map(str.isalpha, line))
    return letters >= MENU_ITEM_LETTERS * (len(line) - len(words) + 1)


def longest_menu_run(lines, stop_at=0):
    """Length of the longest run of consecutive menu items in the stripped non-blank ``lines``
    (counting stops once a run reaches ``stop_at`` > 0).

    >>> longest_menu_run(["Home", "News", "Sport", "The minister said so.", "Weather"])
    3
    """
    best = run = 0
    for line in lines:
        if is_menu_item(line):
            run += 1
            if run > best:
                best = run
                if best == stop_at:
                    break
        else:
            run = 0
    return best


def hard_chrome_line(line, low, words, h):
    """True when ``line`` (lower-cased ``low``, of ``words`` words) trips a hard heuristic that
    marks web chrome: policy_line, cookie_banner or lorem_ipsum, as :func:`transforms.lines.classify`
    decides them."""
    if h.policy_line.enabled and words <= h.policy_line.max_words and any(p in low for p in h.policy_line.phrases):
        return True
    if h.lorem_ipsum.enabled and "lorem ipsum" in low:
        return True
    cookie = h.cookie_banner
    return cookie.enabled and "cookie" in low and words <= cookie.max_words and cookie.compiled.match(line) is not None


def shows_chrome(lines, rule_hits, h):
    """True when a document shows web chrome (see the module docstring).

    ``lines`` are its stripped non-blank lines left after the regex rules, ``rule_hits`` maps
    rule name -> lines hit by the rules, ``h`` is the :class:`transforms.settings.Heuristics`.
    With ``h.chrome`` off every document counts as a web page.
    """
    cfg = h.chrome
    if not cfg.enabled:
        return True
    if any(n and name not in cfg.ignore_rules for name, n in rule_hits.items()):
        return True
    if cfg.menu_run and longest_menu_run(lines, cfg.menu_run) >= cfg.menu_run:
        return True
    if not may_have_hard_chrome("\n".join(lines).lower(), h):
        return False
    return any(hard_chrome_line(line, line.lower(), len(line.split()), h) for line in lines)


def may_have_hard_chrome(low, h):
    """False when the lower-cased text ``low`` holds none of the words a hard chrome line needs
    (a policy phrase, "lorem ipsum", "cookie"): then no line of it is one (one pass over the
    text instead of one per line and phrase).

    >>> from pipeline.config import load_settings
    >>> h = load_settings().junk.heuristics
    >>> may_have_hard_chrome("we use cookies.", h), may_have_hard_chrome("a plain line", h)
    (True, False)
    """
    return ((h.policy_line.enabled and any(p in low for p in h.policy_line.phrases))
            or (h.lorem_ipsum.enabled and "lorem ipsum" in low)
            or (h.cookie_banner.enabled and "cookie" in low))
