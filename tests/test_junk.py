"""Junk heuristics: pure functions on small inline texts with the real default config."""
import pytest

from pipeline.config import ConfigError, load_config, load_settings
from transforms.heuristics import best_region, line_decisions
from transforms.junk import Cleaner
from transforms.lines import classify, line_features
from transforms.ratios import doc_ratios, ratio_verdict
from transforms.settings import junk_settings

P1 = ("The minister said on Tuesday that the new budget would raise spending on schools and "
      "hospitals across the country by a large margin.")
P2 = ("Opposition leaders criticised the plan, arguing that it relied on optimistic growth "
      "forecasts that few independent economists share.")
P3 = ("Parliament is expected to vote on the proposal next month after a committee has reviewed "
      "the details and heard from experts.")


#: a share bar: web chrome, so the context heuristics apply to the page (transforms.chrome)
SHARE = "Share Facebook Twitter Email"


def _clean(text, preset=None):
    return Cleaner(junk_settings(load_config(preset=preset)["junk"])).clean(text)


def test_subheading_between_body_paragraphs_is_kept_but_nav_is_not():
    nav = "\n".join(["Home", "World", "Sport", "Weather"])
    text = f"{nav}\n{P1}\nWhat happens next\n{P2}\n{P3}\nSubscribe\nContact us"
    for preset in ("news", "aggressive"):
        clean, hits, removed = _clean(text, preset)
        assert "What happens next" in clean, preset
        assert P1 in clean and P2 in clean and P3 in clean
        assert "Home" not in clean  # more than context.window lines from the body
        if preset == "aggressive":
            assert "Weather" not in clean and "Contact us" not in clean
        assert all(rule for rule, _ in removed)


def test_c4_hard_lines_and_comment_section_are_removed():
    text = "\n".join(["Please enable JavaScript to view this page.", P1, P2, P3,
                      "We use cookies. Read our privacy policy.", "Lorem ipsum dolor sit amet.",
                      "Reader comments (2)", "Jane Doe, 3 hours ago", P2.replace("Opposition", "Readers")])
    clean, hits, _ = _clean(text)
    assert "JavaScript" not in clean and "cookies" not in clean and "Lorem" not in clean
    assert "Readers" not in clean and P3 in clean
    assert hits["javascript"] == 1 and hits["policy_line"] == 1 and hits["lorem_ipsum"] == 1
    assert hits.get("comment_section", 0) >= 2


def test_minimal_preset_keeps_short_lines():
    clean, hits, _ = _clean(f"{P1}\nWhat next\nImpact Shorts", "minimal")
    assert clean == f"{P1}\nWhat next" and hits == {"shorts_widget": 1}


def test_disable_switches_a_heuristic_off():
    text = f"{P1}\nWe use cookies, see our privacy policy.\n{P2}"
    junk = load_config(overrides=["junk.disable=[policy_line]"])["junk"]
    h = junk_settings(junk).heuristics
    assert h.policy_line.enabled is False
    lines = text.split("\n")
    assert line_decisions(lines, h)[1] == "cookie_banner"  # the site's own voice
    h = junk_settings(load_config(overrides=["junk.disable=[policy_line, cookie_banner]"])["junk"]).heuristics
    assert line_decisions(lines, h)[1] is None
    with pytest.raises(ConfigError, match="unknown rule 'no_such_rule'"):
        load_config(overrides=["junk.disable=[no_such_rule]"])


def test_region_and_ratios():
    assert best_region([-1, 3, -1, 4, -9, 2]) == (1, 3)
    assert best_region([-1, -2]) is None
    ratios = doc_ratios("a # b # c\n- one\n- two\nthree...")
    assert ratios["symbol_word"] == pytest.approx(3 / 10)
    cfg = junk_settings(load_config()["junk"]).doc_ratios
    assert ratio_verdict("a # b # c\n- one\n- two\nthree...", cfg)[0] == "ratio_symbol_word"
    assert ratio_verdict(f"{P1}\n{P2}\n{P3}", cfg) is None


def test_related_list_and_footer_end_the_body_only_after_enough_body():
    teaser = ("Scientists say the discovery of water on the distant moon could change how the agency "
              "plans its next missions.")
    long_body = [P1, P2, P3] * 2   # ~120 body words before the related heading
    related = "\n".join([SHARE, *long_body, "More in World", "Moon water found", teaser, "2H ago",
                         "Why farmers paint their cows", teaser.replace("Scientists", "Researchers")])
    clean, hits, _ = _clean(related, "aggressive")
    assert P3 in clean and "Moon water" not in clean and "Researchers" not in clean
    assert hits["related_section"] >= 4
    # the news preset needs 200 body words first: an early inline "More in World" box stays
    clean, hits, _ = _clean(related, "news")
    assert "related_section" not in hits
    footer = "\n".join([SHARE, P1, P2, P3, P1, P2, "© 2019 Example Media Inc. All Rights Reserved.", teaser])
    clean, hits, _ = _clean(footer, "news")
    assert P3 in clean and "©" not in clean and "Scientists" not in clean
    assert hits["page_footer"] == 2
    # a copyright line before any body text does not cut the article that follows
    clean, _, _ = _clean("\n".join(["Copyright 2019 Example Media", P1, P2, P3]), "news")
    assert P1 in clean and P3 in clean


def test_region_end_switches_and_bad_pattern():
    junk = load_config(overrides=["junk.disable=[related_start, footer_start]"])["junk"]
    h = junk_settings(junk).heuristics
    assert not h.related_start.enabled and not h.footer_start.enabled
    with pytest.raises(ConfigError, match="footer_start.pattern"):
        load_config(overrides=["junk.heuristics.footer_start.pattern=(unclosed"])


def test_comment_markers_need_a_comment_section_not_a_quote_or_an_empty_one():
    body = [P1, P2, P3]
    quote = "The finance minister told the committee on Monday that she also said:"
    for marker in (quote, "Comments (0)", "0 Comments", "Report", "Discussion"):
        clean, hits, _ = _clean("\n".join([SHARE, *body, marker, P1.replace("minister", "premier")]))
        assert "premier" in clean and "comment_section" not in hits, marker
    for marker in ("Comments (3)", "Jane Doe said:", "Jamie Cassidy on November 15, 2018 at 10:12 am said:",
                   "One thought on “Budget day”"):
        clean, hits, _ = _clean("\n".join([SHARE, *body, marker, P1.replace("minister", "premier")]))
        assert "premier" not in clean and hits["comment_section"] >= 1, marker


@pytest.mark.parametrize("marker, hit", [
    ("2 Comentários", "comment_section"), ("Deixe um comentário", "comment_section"),
    ("Lascia un commento Annulla risposta", "comment_section"), ("Satu Tanggapan", "comment_section"),
    ("Kommentare (4)", "comment_section"), ("Artigos relacionados", "related_section"),
    ("Noticias relacionadas", "related_section"), ("À lire aussi", "related_section"),
    ("Das könnte Sie auch interessieren", "related_section"), ("Terkait", "related_section"),
    ("Most Read Most Shared", "related_section"), ("Most popular | Most shared", "related_section")])
def test_region_end_markers_in_other_languages_and_combined(marker, hit):
    body = [P1, P2, P3] * 4   # ~250 body words: past related_start.min_body_words (200)
    clean, hits, _ = _clean("\n".join([SHARE, *body, marker, P1.replace("minister", "premier"), "A teaser"]))
    assert P3 in clean and "premier" not in clean and hits[hit] >= 2, marker


def test_footer_marker_needs_a_copyright_year():
    item = "(c) To provide a forum for communication on all aspects of the industry and its members."
    clean, hits, _ = _clean("\n".join([P1, P2, P3, item, P1.replace("minister", "premier")]))
    assert "premier" in clean and "page_footer" not in hits


def test_weak_lines_inside_a_prose_region_are_kept_only_on_prose_pages():
    items = ["Schools", "Hospitals", "Roads", "Rail", "Ports", "Water", "Power"]  # a list in the body
    text = "\n".join([P1, P2, *items, P3, P1.replace("minister", "premier")])
    clean, hits, _ = _clean(text)
    assert all(i in clean for i in items)
    junk = load_config(overrides=["junk.heuristics.main_region.keep_weak_inside=false"])["junk"]
    h = junk_settings(junk).heuristics
    verdicts = line_decisions(text.split("\n"), h)
    assert verdicts[5] == "short_line"   # the middle item is beyond context.window of good lines
    # a page that is mostly short lines (navigation) does not keep them
    nav = "\n".join(["Home", "News", "Sport", "Video", "Weather", "Travel", "Money", "Live"] * 4)
    clean, _, _ = _clean("\n".join([nav, P1, *items, P2, P3, nav]))   # > scattered_page.min_article_words
    assert "Rail" not in clean and "Schools" in clean and P1 in clean and P2 in clean


def test_dateline_and_byline_heuristics():
    # good_offset=0: with the default offset a 21-word paragraph after a bad (second) dateline
    # scores less than the line's penalty and falls outside the region, which is not tested here
    junk = load_config(overrides=["junk.heuristics.dateline.enabled=true",
                                  "junk.heuristics.byline.enabled=true",
                                  "junk.heuristics.main_region.good_offset=0"])["junk"]
    h = junk_settings(junk).heuristics
    lines = ["Budget raises school spending", "By Jane Doe, Reuters", "Tuesday November 19, 2019 7:45 am",
             P1, P2, "2 days ago", P3]
    verdicts = line_decisions(lines, h)
    assert verdicts[1] == "byline" and verdicts[2] == "dateline" and verdicts[5] == "dateline"
    assert verdicts[0] is None and verdicts[3] is None and verdicts[6] is None
    # on by default (news): the same lines go; switched off they stay
    assert line_decisions(lines, junk_settings(load_config()["junk"]).heuristics) == verdicts
    off = load_config(overrides=["junk.disable=[dateline, byline]"])["junk"]
    assert line_decisions(lines, junk_settings(off).heuristics)[1:3] == [None, None]
    # more than max_hits (4) bylines on a page are a list's items (a book list, posts): kept
    books = [f"{title}\nby Jane Author {k}" for k, title in enumerate(HEADLINES[:5])]
    verdicts, _ = _decide([P1, *"\n".join(books).split("\n"), P2, P3])
    assert "byline" not in verdicts
    verdicts, _ = _decide([P1, *"\n".join(books[:4]).split("\n"), P2, P3])
    assert verdicts.count("byline") == 4


# ------------------------------------------------------------------ per-page decisions (issue 3)

def _decide(lines, overrides=()):
    h = junk_settings(load_config(overrides=list(overrides))["junk"]).heuristics
    pages = {}
    return line_decisions(lines, h, pages), pages


COMMENTS = [P1.replace("minister", f"reader {k}") for k in range(6)]  # 6 x 22 words of discussion


def test_thread_page_keeps_a_discussion_that_is_the_bulk_of_the_page():
    body = [P1, P2, P3]   # 63 body words before the heading; 132 words of comments after it
    lines = [*body, "Comments (6)", *COMMENTS]
    verdicts, pages = _decide(lines)
    assert verdicts == [None] * len(lines) and "thread_page" in pages
    clean, hits, _ = _clean("\n".join([SHARE, *lines]))
    assert hits.get("thread_page") == 0 and "reader 5" in clean   # a document hit, no line removed
    verdicts, pages = _decide(lines, ["junk.disable=[thread_page]"])
    assert verdicts[3:] == ["comment_section"] * 7 and "thread_page" not in pages
    # a short discussion under a long article still ends the body
    verdicts, _ = _decide([*body, P1, P2, P3, "Comments (6)", *COMMENTS[:2]])
    assert verdicts[-1] == "comment_section"


TOC = ["How to set up the printer for the first time", "What to do when the paper is stuck in the tray",
       "A short history of the company and its products", "Where to find the drivers for your computer",
       "Why the ink runs out faster than you expect", "How to clean the heads of the printer",
       "When to call the service team for a repair", "How to order spare parts from the shop"]


def test_scattered_page_keeps_a_language_list_page_but_not_a_menu():
    good = [P1, P2, P3]
    lines = [good[0], *TOC, *TOC, good[1], *TOC[::-1], good[2]]   # no dominant block; the list reads like text
    verdicts, pages = _decide(lines)
    assert verdicts == [None] * len(lines) and "scattered_page" in pages
    # off (and the list not counted as prose for good_offset either): the list goes
    verdicts, pages = _decide(lines, ["junk.disable=[scattered_page]",
                                      "junk.heuristics.main_region.good_offset_weak_min_stop=1.0"])
    assert "scattered_page" not in pages and verdicts[5] in ("no_terminal_punct", "short_line")
    menu = ["Home", "News", "Sport", "Video", "Weather", "Travel", "Money", "Live"] * 3  # names only
    verdicts, pages = _decide([good[0], *menu, good[1], *menu, good[2]],
                              ["junk.heuristics.scattered_page.max_prose_share=1.0"])
    assert "scattered_page" not in pages and verdicts[12] == "short_line"


HEADLINES = ["Markets rally as oil prices fall sharply in Asia", "City council approves new budget for schools",
             "Storm warning issued for the northern coast tonight", "Star striker signs contract extension",
             "Police arrest two suspects after the bank robbery", "New study links poor sleep to heart disease",
             "Airline cancels flights over pilot strike at weekend", "Museum reopens after five years of repairs"]


def test_scattered_page_needs_a_page_without_an_article():
    body = [P1, P2, P3]   # 63 words a block, split by 16 teaser headlines: no block holds 60 %
    lines = [*body, *HEADLINES, *HEADLINES, *body, *HEADLINES, *HEADLINES, *body]
    verdicts, pages = _decide(lines, ["junk.heuristics.scattered_page.max_prose_share=1.0"])
    assert "scattered_page" in pages and verdicts == [None] * len(lines)
    # 40 % of the words are prose: the page has an article, so the teaser lists are cut as usual
    verdicts, pages = _decide(lines)
    removed = {line for line, verdict in zip(lines, verdicts) if verdict}
    assert "scattered_page" not in pages and removed and removed <= set(HEADLINES)


def test_a_page_with_too_little_prose_for_an_article_is_kept_whole():
    listing = ["Waterfront Home", "150 Feet of Dock", "Three Bedrooms, Two Baths", "Pool and more",
               "$995,000", "click here for details", "Seven Isles", "Just off the boulevard"]
    verdicts, pages = _decide(listing)
    assert verdicts == [None] * len(listing) and "scattered_page" in pages
    verdicts, pages = _decide(listing, ["junk.heuristics.scattered_page.min_article_words=0"])
    assert "scattered_page" not in pages and set(verdicts) == {"short_line"}
    verdicts, _ = _decide([*listing, "{ var x = 1; }"])   # hard junk still goes
    assert verdicts[-1] == "curly_brace"


def test_good_offset_detaches_a_teaser_headline_on_a_chrome_page_only():
    nav = [f"Section {k}" for k in range(25)]   # 50 words of navigation: prose share < 0.7
    teaser = "Is the new budget really good news for local schools?"
    lines = [*nav, teaser, "5:56", P1, P2, P3]
    verdicts, _ = _decide(lines)
    assert verdicts[25] == "outside_main_region" and verdicts[-3:] == [None] * 3
    verdicts, _ = _decide(lines, ["junk.heuristics.main_region.good_offset=0"])
    assert verdicts[25] is None
    verdicts, _ = _decide([teaser, "5:56", P1, P2, P3])   # a prose page: no offset, teaser stays
    assert verdicts[0] is None


def test_curly_brace_max_words_keeps_long_prose_with_a_brace():
    prose = " ".join([P1, P2, P3, "The set {a, b} was used in the appendix of the report."])  # 75 words
    verdicts, _ = _decide([prose, "{ var x = 1; }", P3])
    assert verdicts == [None, "curly_brace", None]


def test_dateline_max_page_prose_share_spares_prose_pages():
    lines = ["Tuesday November 19, 2019 7:45 am", P1, P2, P3]
    on = ["junk.heuristics.dateline.enabled=true"]
    assert _decide(lines, on)[0][0] == "dateline"
    assert _decide(lines, on + ["junk.heuristics.dateline.max_page_prose_share=0.7"])[0][0] is None


def test_an_inline_related_box_does_not_end_the_article():
    long_par = P1 + " " + P2    # 42 words: the article goes on after the box
    lines = [P1, P2, P3, "Related stories", "Markets rally as oil prices fall", "City approves budget",
             long_par, P3]
    short = ["junk.heuristics.related_start.min_body_words=20"]
    verdicts, _ = _decide(lines, short)
    assert verdicts[6:] == [None, None]
    assert verdicts[3] == "outside_main_region" or verdicts[3] is None
    # resume_min_words 0 (off), or the long paragraph outside resume_window: the heading ends the body
    for off in (["junk.heuristics.related_start.resume_min_words=0"],
                ["junk.heuristics.related_start.resume_window=2"]):
        verdicts, _ = _decide(lines, short + off)
        assert verdicts[3:] == ["related_section"] * 5, off
    # a list of short teasers after the body is still cut
    verdicts, _ = _decide([P1, P2, P3, "Related stories", *HEADLINES[:3], P1], short)
    assert verdicts[3:] == ["related_section"] * 5


def test_region_extends_above_with_any_weak_line_but_below_only_with_sentences():
    head = "Budget plan divides parliament"
    tags = "Politics Budget Schools Hospitals"
    last = "The minister is expected to present the final version of the plan to the house in"  # cut off
    lines = [head, P1, P2, P3, "Thanks for reading.", tags]
    verdicts, _ = _decide(lines)
    assert verdicts[0] is None and verdicts[4] is None     # the headline above, a short sentence below
    assert verdicts[5] == "outside_main_region"             # a tag line right under the body
    assert _decide([head, P1, P2, P3, last])[0][4] is None  # an unterminated last line that reads as language
    every = ["junk.heuristics.main_region.extend_below.min_words=0",
             "junk.heuristics.main_region.extend_below.min_stopword_ratio=0"]
    assert _decide(lines, every)[0][5] is None


BANNER = ("This website uses cookies to improve your experience while you navigate through the website. "
          "Out of these cookies, the cookies that are categorized as necessary are stored on your browser "
          "as they are essential for the working of basic functionalities of the website. We also use "
          "third-party cookies that help us analyze and understand how you use this website.")


def test_cookie_banner_goes_but_prose_about_cookies_stays():
    about = ("Regulators said on Tuesday that the company had placed tracking cookies on the phones of "
             "millions of users without asking them, and that the practice broke European privacy rules "
             "that came into force last year, according to the decision published in Brussels.")
    verdicts, _ = _decide([P1, P2, BANNER, P3, about])
    assert verdicts[2] == "cookie_banner" and len(BANNER.split()) > 30   # longer than policy_line.max_words
    assert verdicts[4] is None
    verdicts, _ = _decide([P1, P2, BANNER, P3], ["junk.disable=[cookie_banner]"])
    assert verdicts[2] is None
    consent = ("Necessary cookies are absolutely essential for the website to function properly. This "
               "category only includes cookies that ensure basic functionalities and security features.")
    assert _decide([P1, P2, consent, P3])[0][2] == "cookie_banner"


def test_a_long_line_without_any_sentence_mark_is_no_prose():
    tags = " ".join(["budget", "schools", "hospitals", "parliament", "election", "tax", "growth"] * 5)  # 35 words
    unended = P1.rstrip(".") + " and " + P2.rstrip(".")   # 41 words with a comma, no end mark
    h = junk_settings(load_config()["junk"]).heuristics
    assert classify(tags, line_features(tags), h) == ("weak", "no_terminal_punct")
    assert classify(unended, line_features(unended), h)[0] == "good"
    off = junk_settings(load_config(
        overrides=["junk.heuristics.good_line.long_min_marks=0"])["junk"]).heuristics
    assert classify(tags, line_features(tags), off)[0] == "good"


def test_a_caption_repeated_above_the_body_is_kept_once():
    caption = "The minister, left, shakes hands with the mayor in the city hall on Tuesday."
    body = " ".join([P1, P2])   # one paragraph of 41 words: the body starts here
    lines = ["1 / 8", caption, caption, "Image 1 of 8", caption, "Budget day", body, P3]
    verdicts, _ = _decide(lines)
    assert [v == "repeated_line" for v in verdicts] == [False, True, True, False, False, False, False, False]
    # below the body a repeated line is not a copy of this kind (a refrain, a repeated quote)
    verdicts, _ = _decide([body, caption, P3, caption])
    assert "repeated_line" not in verdicts
    verdicts, _ = _decide(lines, ["junk.disable=[repeated_above]"])
    assert "repeated_line" not in verdicts


STAMPED = ["Nick A", "2 days ago at 07:47 am", "I think we will see similar updates next year.",
           "fmcshan", "2 days ago at 07:50 am", "It would be nice to have slimmer bezels.",
           "tjedora", "2 days ago at 07:51 am", "Should this not be the year of a redesign?"]


@pytest.mark.parametrize("preset", ["news", "aggressive"])
def test_stamp_list_cuts_stamped_comments_after_the_body(preset):
    body = [P1, P2, P3, P1.replace("minister", "mayor"), P2.replace("Opposition", "Business")]  # 107 words
    on = ["junk.heuristics.stamp_list.max_page_prose_share=1.0",   # news: only chrome-heavy pages
          "junk.heuristics.dateline.enabled=false"]   # else the stamp lines themselves go as dateline
    h = junk_settings(load_config(preset=preset, overrides=on)["junk"]).heuristics
    verdicts = line_decisions([*body, *STAMPED], h)
    assert verdicts[:5] == [None] * 5
    assert verdicts[5:] == ["stamped_list"] * len(STAMPED)  # "Nick A" goes with its stamp (back)
    h = junk_settings(load_config(preset=preset, overrides=on + [
        "junk.disable=[stamp_list]"])["junk"]).heuristics
    assert "stamped_list" not in line_decisions([*body, *STAMPED], h)
    # two stamps are no list; a stamp before the body (the article's own date line) is no cut
    h = junk_settings(load_config(preset=preset, overrides=on)["junk"]).heuristics
    assert "stamped_list" not in line_decisions([*body, *STAMPED[:6]], h)
    assert "stamped_list" not in line_decisions([*STAMPED[:2], *body], h)
    # news: a page with >= 70 % of its words in good lines (prose) keeps its stamped items
    h = junk_settings(load_config(preset="news")["junk"]).heuristics
    assert "stamped_list" not in line_decisions([*body, *STAMPED], h)
    nav = ["Home", "World news", "Business news", "Sport", "Weather", "Culture", "Opinion"] * 6
    assert "stamped_list" in line_decisions([*nav, *body, *STAMPED], h)


def test_stamp_list_keeps_a_list_of_posts_as_long_as_the_body():
    posts = []
    for k in range(3):   # a blog page: three dated posts of the body's length
        posts += [f"Posted on March {k + 2}, 2005", P1, P2, P3]
    on = ["junk.heuristics.stamp_list.max_page_prose_share=1.0", "junk.heuristics.stamp_list.min_body_words=50",
          "junk.heuristics.dateline.enabled=false"]
    verdicts, _ = _decide([P1, P2, P3, *posts], on)
    assert "stamped_list" not in verdicts
    # thread_page (news) also keeps stamped items that are the bulk of the page
    verdicts, pages = _decide([P1, P2, P3, *posts], on + ["junk.heuristics.stamp_list.max_item_share=1.5"])
    assert "stamped_list" not in verdicts and "thread_page" in pages
    verdicts, _ = _decide([P1, P2, P3, *posts], on + ["junk.heuristics.stamp_list.max_item_share=1.5",
                                                      "junk.disable=[thread_page]"])
    assert verdicts[3:] == ["stamped_list"] * len(posts)
    # stamps from the top of the body on: a listing (dated ads), its items are the page
    ads = [line for k, p in enumerate([P1, P2, P3, P1, P2, P3]) for line in (f"12-{k + 10}-06", p)]
    verdicts, _ = _decide(ads, on + ["junk.heuristics.stamp_list.max_item_share=1.5", "junk.disable=[thread_page]"])
    assert "stamped_list" not in verdicts


@pytest.mark.parametrize("override", ["junk.heuristics.scattered_page.max_region_share=1.5",
                                      "junk.heuristics.related_start.resume_min_words=-1",
                                      "junk.heuristics.stamp_list.min_stamps=0",
                                      "junk.heuristics.cookie_banner.max_words=0",
                                      "junk.heuristics.stamp_list.max_page_prose_share=1.5",
                                      "junk.heuristics.main_region.extend_below.min_stopword_ratio=2",
                                      "junk.heuristics.stamp_list.max_item_share=-0.5",
                                      "junk.heuristics.scattered_page.min_weak_stopword_ratio=-0.1",
                                      "junk.heuristics.scattered_page.max_prose_share=1.2",
                                      "junk.heuristics.scattered_page.min_article_words=-1",
                                      "junk.heuristics.thread_page.min_ratio=-1",
                                      "junk.heuristics.main_region.good_offset=-5",
                                      "junk.heuristics.main_region.good_offset_max_share=2",
                                      "junk.heuristics.curly_brace.max_words=0"])
def test_per_page_settings_are_validated(override):
    with pytest.raises(ConfigError, match=override.split("=")[0].split(".", 1)[1]):
        load_config(overrides=[override])


HARD_WRAPPED_POST = """Home | News | Sport | Weather
Sign in
In article <1993Apr5.123@host.edu> someone wrote about the
question of whether the new drive controller would work with
the older machines that we have in the lab, and I think
that the answer is that it will not work without a new
BIOS from the maker, which they say is on the way.
I tried it on two of them last week.
The first one would not even boot and the second one
hung as soon as it tried to read from the disk, so
I would wait for the update before you buy one of these
for your own machine at home or at the office.
Thanks for the help with this one.
Share this
"""


@pytest.mark.parametrize("weak_min_stop,body_kept", [(0.4, True), (1.0, False)])
def test_hard_wrapped_prose_is_not_a_chrome_heavy_page(weak_min_stop, body_kept):
    """Lines wrapped mid-sentence are weak (no terminal punctuation) but read as language: with
    ``good_offset_weak_min_stop`` they count as prose, so good_offset does not shrink the body
    to the few lines that end a sentence; counting only good lines (1.0) does."""
    cfg = load_config(overrides=[f"junk.heuristics.main_region.good_offset_weak_min_stop={weak_min_stop}",
                                 "junk.heuristics.scattered_page.min_article_words=30"])["junk"]  # 43 prose words
    text, _, removed = Cleaner(junk_settings(cfg)).clean(HARD_WRAPPED_POST)
    body = HARD_WRAPPED_POST.split("\n")[3:13]  # the attribution line above is a weak edge line
    assert all(line in text.split("\n") for line in body) is body_kept
    assert "Home | News | Sport | Weather" not in text
    assert ("outside_main_region" in [rule for rule, _ in removed]) is not body_kept


@pytest.mark.parametrize("line, rule", [
    ("Image 3 of 13", "gallery_widget"), ("Back to Gallery", "gallery_widget"), ("Hide Caption", "gallery_widget"),
    ("Sign Up for e-mail newsletters", "newsletter_promo"), ("Join our newsletter", "newsletter_promo"),
    ("Newer Post Older Post Home", "post_navigation"), ("Continue reading the main story", "post_navigation"),
    ("Leave a Reply Cancel reply", "comment_form"), ("Name (required)", "comment_form"),
    ("Login or register to post comments", "comment_form"), ("Copy Link URLCopied!", "share_bar"),
    ("Flipboard", "share_bar"), ("12 Shares", "share_bar"),
    ("Save my name, email, and website in this browser for the next time I comment.", "comment_form"),
    ("Teachers rally at the Statehouse in Indianapolis, Tuesday. (AP Photo/Michael Conroy)", "photo_caption"),
    ("Photo by Jason Kempin/Getty Images", "photo_caption"), ("Getty Images", "photo_caption"),
    ("The hunter ate a rabbit he had killedCredit: Getty - Contributor", "photo_caption"),
    ("The plague wiped out half of Europe in the 14th century (Image: GETTY)", "photo_caption"),
    ("(Image credit: Blue Origin)", "photo_caption"), ("Photo: Gene J. Puskar", "photo_caption"),
    ("Image copyright EPA", "photo_caption"), ("Victor N. Burton Submitted photo", "photo_caption"),
    ("2of4A shopper looks at extension cords at the hardware store.", "gallery_widget"),
    ("Image 1 of / 8", "gallery_widget"), ("READ MORE: China plague outbreak confirmed", "teaser_link"),
    ("Related: SpaceX's Starship in Pictures", "teaser_link"), ("See also: 5 things to know", "teaser_link"),
    ("Phil Helsel is a reporter for NBC News.", "author_bio"),
    ("Like this story? Share it with a friend!", "share_prompt"), ("Sharing is caring!", "share_prompt"),
    ("Click here to get the Fox News app", "app_promo"), ("Suka Memuat...", "like_widget"),
    ("Share this on Twitter", "share_bar"), ("Compartilhar Imprimir", "share_bar"), ("0shares", "share_bar"),
    ("Publicidade", "advertisement"), ("Continue Reading Below", "advertisement"),
    ("No spam, we promise. You can unsubscribe at any time.", "newsletter_promo"),
    ("Subscribe No thanks", "newsletter_promo"),
    ("This copy is for your personal, non-commercial use only.", "policy_line"),
])
def test_widget_lines_are_removed_by_their_rule(line, rule):
    clean, hits, removed = _clean("\n".join([P1, line, P2]))
    assert line not in clean and hits.get(rule) == 1 and [rule, line] in removed


@pytest.mark.parametrize("line", ["Close to the border, the river floods every spring.", "Home",
                                  "Subscribers will pay more from January.", "Next year the post office closes.",
                                  "The photo agency Getty Images said it would appeal the ruling.",
                                  "Reporters from AP and Reuters were at the scene when the police arrived.",
                                  "Read more: the council publishes its minutes online.",
                                  "He submitted photo evidence to the court on Monday.",
                                  "The photo: it was taken in 1990 by her brother.",
                                  "Jane Doe is a nurse who has worked at the hospital for ten years.",
                                  "The app was downloaded two million times in its first week.",
                                  "xxxx x xxxx", "XXXXX |", "Email:", "E-Mail:", "Source: Unix World, Jan 1993",
                                  "(The Grateful Dead) --> |It seemed like the least I could do..."])
def test_widget_rules_leave_body_lines_alone(line):
    clean, _, _ = _clean("\n".join([P1, line, P2]))
    assert line in clean
    clean, _, _ = _clean("\n".join([SHARE, P1, line, P2]), "minimal")  # the rules alone, on a web page
    assert line in clean


@pytest.mark.parametrize("line, rule, kept", [
    ("Email | Print", "share_bar", ""), ("X Facebook", "share_bar", ""),
    ("(CNN) -- The senator said on Monday that the vote would wait.", "leading_source_tag",
     "The senator said on Monday that the vote would wait."),
    ("The bridge was closed in 1990. Source: City archive", "trailing_image_credit", "The bridge was closed in 1990."),
    ("Credits: Alexey Filippov, Sputnik", "trailing_image_credit", "")])
def test_tightened_rules_still_remove_web_widgets(line, rule, kept):
    clean, hits, _ = _clean("\n".join([P1, line, P2]), "minimal")
    assert hits.get(rule) == 1 and clean == "\n".join(x for x in (P1, kept, P2) if x)


# ------------------------------------------------------------------ do no harm: no chrome, no heuristics (issue 17)

PLAIN_ARTICLE = """Budget plan divides parliament
By Jane Doe
The minister said on Tuesday that the new budget would raise spending on schools and hospitals across the country by a large margin.
Opposition leaders criticised the plan, arguing that it relied on optimistic growth forecasts that few independent economists share.
What happens next
Parliament is expected to vote on the proposal next month after a committee has reviewed the details and heard from experts.
Schools
Head teachers welcomed the money but said it would take years to make up for the cuts of the past decade.
Hospitals
Doctors' unions said the extra funding was a start.
The vote is set for March 12."""

DIVIDEND = "Qtly div 25 cts vs 25 cts prior\nPay April 30\nRecord April 16"

EARNINGS = """HARLOW INDUSTRIES INC <HRLW> 4TH QTR NET
Shr 45 cts vs 58 cts
Net 1.1 mln vs 829,000
Sales 7.9 mln vs 9.4 mln
Avg shrs 2.4 mln vs 2.3 mln
Year
Shr 1.62 dlrs vs 1.91 dlrs
Net 3.9 mln vs 4.4 mln
Sales 31.2 mln vs 35.8 mln
Avg shrs 2.4 mln vs 2.3 mln
Reuter"""

POST = """In article <1993Apr5.1234@host.edu> jim@host.edu (Jim Smith) writes:
>I bought the new controller last week and it does not work with my old drive.
>Has anybody got it running?
Mine works fine with the 40 MB drive.
Your mileage obviously varies.
You could try the jumper settings in the manual first.
--
Bob Jones
Dept. of Physics
University of Somewhere
bob@phys.somewhere.edu
"CELEBRATE LIBERTY!\""""


@pytest.mark.parametrize("text", [PLAIN_ARTICLE, DIVIDEND, "CASTELLAN SAVINGS BANK <CSBK> QTLY DIVIDEND\n"
                                  + DIVIDEND + "\nReuter", EARNINGS, POST])
def test_text_without_web_chrome_comes_through_whole(text):
    """No menu, share bar, comment form, banner: the rules alone, no context heuristics, no
    document ratio; the default filter.min_words keeps a 3-line dividend notice."""
    from transforms.clean import DocumentCleaner
    whole = "\n".join(line for line in text.split("\n") if line != "--")   # punctuation_only_line: no words
    clean, hits, removed = _clean(text)
    assert clean == whole and set(hits) <= {"no_chrome", "punctuation_only_line"} and hits["no_chrome"] == 0
    for preset in (None, "aggressive"):
        out, hits, _, rejection = DocumentCleaner(load_settings(preset=preset))(text)
        assert out == whole and rejection is None and "no_chrome" in hits, preset
    # as before issue 17 (no chrome gate: every document a web page; min_article_words 30) the
    # heuristics cut the article's byline and the post's reply and signature
    before = Cleaner(junk_settings(load_config(overrides=[
        "junk.disable=[chrome]", "junk.heuristics.scattered_page.min_article_words=30"])["junk"])).clean(text)
    assert "no_chrome" not in before[1] and (before[0] != whole) == (text in (PLAIN_ARTICLE, POST))


def test_a_web_page_with_menu_share_bar_and_comments_is_cleaned_as_before():
    menu = ["Home", "World", "Business", "Sport", "Weather", "Travel"]
    page = "\n".join([*menu, "Budget plan divides parliament", P1, P2, P3, P1.replace("minister", "mayor"),
                      "Share this article", "Comments (2)", "Jane said:", P2.replace("Opposition", "Readers"),
                      "Privacy policy | Terms of use"])
    clean, hits, _ = _clean(page)
    before = Cleaner(junk_settings(load_config(overrides=["junk.disable=[chrome]"])["junk"])).clean(page)
    assert (clean, hits) == before[:2] and "no_chrome" not in hits
    # the menu goes but for the last items within context.window of the headline (as before)
    assert clean.split("\n") == ["Weather", "Travel", "Budget plan divides parliament", P1, P2, P3,
                                 P1.replace("minister", "mayor")]
    assert hits["comment_section"] == 3 and hits["share_bar"] == 1 and hits["policy_line"] == 1
    # the menu alone is chrome enough; shorter runs of short lines are not
    assert "no_chrome" not in _clean("\n".join([P1, *menu[:5], P2]))[1]
    assert "no_chrome" in _clean("\n".join([P1, *menu[:4], P2]))[1]


def test_chrome_signal_settings():
    text = "\n".join(["-----", P1, "Home", "World", "Business", "Sport", "Weather", P2])
    assert "no_chrome" not in _clean(text)[1]   # the menu of five
    junk = load_config(overrides=["junk.heuristics.chrome.menu_run=0"])["junk"]
    clean, hits, _ = Cleaner(junk_settings(junk)).clean(text)
    assert hits == {"punctuation_only_line": 1, "no_chrome": 0}   # a separator line is no chrome
    junk = load_config(overrides=["junk.heuristics.chrome.menu_run=0", "junk.heuristics.chrome.ignore_rules=[]"])
    assert "no_chrome" not in Cleaner(junk_settings(junk["junk"])).clean(text)[1]
    with pytest.raises(ConfigError, match="chrome.menu_run"):
        load_config(overrides=["junk.heuristics.chrome.menu_run=-1"])
    # the document ratios judge web pages only
    cfg = junk_settings(load_config()["junk"]).doc_ratios
    listing = "# one\n# two\n# three"
    assert ratio_verdict(listing, cfg)[0] == "ratio_symbol_word"
    assert ratio_verdict(listing, cfg, {"no_chrome": 0}) is None
