"""E-mail addresses in the spellings people use to write one without writing it: spaces
and line breaks around the ``@`` and the dots (``jane . doe @ roe . example``,
``jane\\n@\\nroe.example``), comments (``jane(work)@roe.example``), a backslash before a
dot (``roe\\.example``), the ``@`` and the dots spelled out in brackets (``jane [at] roe
[dot] com``, ``jane(at)roe.com``) and an IP-literal domain (``jane@[192.0.2.1]``,
``jane@[IPv6:2001:db8::1]``). The plain form is `_patterns`' rule; the view
(`_normalize`) folds the ideographic full stops (U+3002, U+FF0E, U+FF61) to a dot.

Found from each ``@`` or spelled ``at`` (a C-speed search), the domain read label by
label forwards and the local part backwards, each a bounded match: linear. A spaced or
spelled address must end in a two-letter country code or a common top-level domain
("me @ team . lead" is none); a dot with a space after it and none before ends a sentence,
not a domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["LOOSE_EMAIL_GATES", "loose_emails"]

# what every loosely written address holds (one of): a space or a line break beside its
# "@", a comment, an IP literal, a spaced or escaped dot, a spelled "at"
LOOSE_EMAIL_GATES = (
    "@ ", " @", "@\t", "\t@", "@\n", "\n@", "@\r", "\r@", ")@", "@(", "@[", " .", "\t.",
    "\n.", "\\.", "at]", "at)", "at}", "at>", "at ]", "at )", "AT]", "AT)", "AT}", "At]", "At)",
    "@@", "@)", "@ )", "@]", "@ ]", ".]", ".)", ". ]", ". )", " dot ", " DOT ", " Dot ",
)  # fmt: skip

# an "@" or one spelled out; led by a character class, so the scan skips at C speed
_ANCHOR = re.compile(
    r"[@\[({<](?:(?<=@)@{1,2}|(?<=[\[({<]) ?(?:at|AT|At|@) ?[\])}>])?|[ ](?:at|AT)[ ](?=\w)"
)
_SPACE = re.compile(r"[ \t\r\n]{0,3}")
_COMMENT = re.compile(r"\([^()\r\n]{0,64}\)[ \t\r\n]{0,3}")
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")
_DOT = re.compile(
    r"([ \t\r\n]{0,3})(\.|\\\.|[\[({<][ ]?(?:(?i:dot)|\.)[ ]?[\])}>]"
    r"|(?<=[ ])(?:dot|DOT|Dot)(?=[ ]))([ \t\r\n]{0,3})"
)
_SPELLED_TLDS = frozenset({  # after an "at" and a "dot" spelled as words, nothing else
    "com", "net", "org", "edu", "gov", "io", "uk", "de", "fr", "nl", "ch", "es", "eu", "ca",
    "au", "hu", "pl", "se", "dk", "fi", "ie", "nz", "cz", "at", "info", "biz", "example",
})  # fmt: skip
_IP_LITERAL = re.compile(r"\[(?:(?i:IPv6):[0-9A-Fa-f:.]{2,45}|[0-9]{1,3}(?:\.[0-9]{1,3}){3})\]")
# backwards, on the reversed text before the anchor
_R_COMMENT = re.compile(r"[ \t\r\n]{0,3}\)[^()\r\n]{0,64}\(")
_R_ATOM = re.compile(r"[\w%+-]{1,64}")
_R_DOT = re.compile(r"( ?)(\.|\.\\|[\])}>][ ]?(?i:tod)[ ]?[\[({<])( ?)")
_LOCAL_BACK = 140  # characters read back from an anchor

_TLDS = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "co", "ai", "app",
    "dev", "email", "mail", "online", "site", "cloud", "example", "test", "invalid", "local",
    "me", "tech", "xyz", "pro", "name", "mobi", "eu", "asia", "corp", "internal", "lan",
})  # fmt: skip


def loose_emails(text: str) -> Iterator[tuple[int, int]]:
    """Spans of e-mail addresses written loosely (see the module's docstring)."""
    pos = 0
    while True:
        a = _ANCHOR.search(text, pos)
        if a is None:
            return
        pos = a.end()
        if a.end() - a.start() == 1 and a.group() != "@":
            continue  # a bracket, no spelled "at"
        if not _may_join(text, a.start(), a.end()):
            continue
        if (
            a.group() == "@"
            and text[a.start() - 1].isalnum()
            and text[a.end()].isalnum()
            and not _loose_dot_near(text[max(0, a.start() - _LOCAL_BACK) : a.end() + 128])
        ):
            continue  # "@" between letters and no loose dot near: the plain rule's
        spelled = a.group() != "@"
        after = _SPACE.match(text, a.end()).end()  # type: ignore[union-attr]
        # a plain "@" spaced after it only ("jane@ roe.bank"): any top-level domain (before
        # it only is a mention or a decorator: "thanks @jane.doe", "\n@rai.governed")
        one_side = not spelled and text[a.end()] in " \t" and text[a.start() - 1] not in " \t\r\n"
        loose = (spelled or after > a.end()) and not one_side
        comment = _COMMENT.match(text, after)
        if comment is not None:
            after, loose, one_side = comment.end(), True, False
        labels = _labels(text, after, loose)
        if not labels:
            continue
        local = _local(text, a.start())
        if local is None:
            continue
        start, local_loose = local
        domain = _domain(text, labels, local_loose and not one_side)
        if domain is None:
            continue
        end, loose = domain
        if a.group()[0] == " " and not _spelled_domain(text[after:end]):
            continue  # "at" as a word: only with a "dot" as one and a common domain
        if loose or one_side:  # (the plain form is the strict rule's)
            yield start, end
            pos = end


def _spelled_domain(domain: str) -> bool:
    """Whether a domain after an "at" written as a word is one: a "dot" written as a word
    in it, and one of `_SPELLED_TLDS` last ("roe dot com", not "noon dot")."""
    words = domain.split()
    return len(words) >= 3 and words[-2].lower() == "dot" and words[-1].lower() in _SPELLED_TLDS


def _loose_dot_near(window: str) -> bool:
    """Whether `window` may hold a dot written loosely: spaced, escaped or spelled out
    (substring tests, at C speed)."""
    return any(
        x in window
        for x in (" .", "\n.", "\t.", "\\.", "dot", "DOT", "Dot", "[.", "(.", ".]", ".)", "@@")
    )


def _may_join(text: str, at: int, end: int) -> bool:
    """Whether what stands around the anchor text[at:end] (past up to three spaces or line
    breaks) may end a local part and start a domain: a cheap test before the reads."""
    i = at - 1
    while i >= 0 and at - i <= 3 and text[i] in " \t\r\n":
        i -= 1
    j = end
    while j < len(text) and j - end < 3 and text[j] in " \t\r\n":
        j += 1
    return (
        i >= 0
        and j < len(text)
        and (text[i].isalnum() or text[i] in ")_%+-")
        and (text[j].isalnum() or text[j] in "([")
    )


def _labels(text: str, p: int, loose: bool) -> list[tuple[int, str, bool]]:
    """The ends of the domain's labels after its first that starts at `p` (each with
    the label and whether the address is written loosely up to it: `loose`, its "@" is)."""
    ip = _IP_LITERAL.match(text, p)
    if ip is not None:
        return [(ip.end(), "", True)]
    ends: list[tuple[int, str, bool]] = []
    label = _LABEL.match(text, p)
    if label is None:
        return ends
    while True:
        dot = _DOT.match(text, label.end())
        if dot is None or (not dot.group(1) and dot.group(3)):
            break  # no dot, or one that ends a sentence ("roe. Then")
        nxt = _LABEL.match(text, dot.end())
        if nxt is None:
            break
        loose = loose or bool(dot.group(1) or dot.group(3)) or dot.group(2) != "."
        ends.append((nxt.end(), nxt.group(), loose))
        label = nxt
    return ends


def _domain(
    text: str, ends: list[tuple[int, str, bool]], local_loose: bool
) -> tuple[int, bool] | None:
    """Where the domain ends (its last label a top-level domain: any, or for an address
    written loosely a country code or a common one), and whether the address is loose."""
    if ends and ends[0][1] == "":
        return ends[0][0], True  # an IP literal
    for end, tld, was_loose in reversed(ends):
        was_loose = was_loose or local_loose
        low = tld.lower()
        if not (low.isalpha() and low.isascii() and 2 <= len(low) <= 24):
            continue
        if was_loose and len(low) != 2 and low not in _TLDS:
            continue
        if end < len(text) and (text[end].isalnum() or text[end] in "_-"):
            continue
        return end, was_loose
    return None


def _local(text: str, q: int) -> tuple[int, bool] | None:
    """Where the local part that ends before the anchor at `q` starts, and whether it is
    written loosely (spaces before the anchor, a comment, spaced or spelled dots)."""
    lo = max(0, q - _LOCAL_BACK)
    rev = text[lo:q][::-1]
    p = _SPACE.match(rev).end()  # type: ignore[union-attr]
    loose = p > 0
    comment = _R_COMMENT.match(rev, p)
    if comment is not None:
        p, loose = comment.end(), True
    atom = _R_ATOM.match(rev, p)
    if atom is None:
        return None
    p = atom.end()
    while True:
        dot = _R_DOT.match(rev, p)
        if dot is None or dot.group(1) != dot.group(3):
            break  # a dot spaced on one side only is no part of an address
        nxt = _R_ATOM.match(rev, dot.end())
        if nxt is None:
            break
        loose = loose or bool(dot.group(1)) or dot.group(2) != "."
        p = nxt.end()
    start = q - p
    while start < q and text[start] in "_%+-":
        start += 1
    before = text[start - 1 : start] if start > 0 else ""
    if before and (before.isalnum() or before in "._%+-"):
        return None
    return start, loose
