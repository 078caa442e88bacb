"""Shared bits for the eval-d generator: the seeded RNG, small helpers and the
document builder that records labelled spans as UTF-8 byte offsets."""
import random
import re

# One RNG for the whole run; gen.py seeds it.  Every generator draws from it,
# so a given seed always produces the same corpus.
R = random.Random(0)


def chance(p):
    return R.random() < p


def pick(seq):
    return R.choice(seq)


def digits(n, first_nonzero=False):
    s = "".join(R.choice("0123456789") for _ in range(n))
    if first_nonzero and n and s[0] == "0":
        s = R.choice("123456789") + s[1:]
    return s


def weighted(pairs):
    """pairs: [(item, weight), ...] -> item"""
    total = sum(w for _, w in pairs)
    x = R.random() * total
    for item, w in pairs:
        x -= w
        if x < 0:
            return item
    return pairs[-1][0]


class V:
    """A value that must be labelled: its entity type and its exact text."""
    __slots__ = ("type", "text")

    def __init__(self, type_, text):
        self.type = type_
        self.text = text

    def __repr__(self):
        return f"V({self.type}, {self.text!r})"


PLACEHOLDER = re.compile(r"⟦(\w+)⟧")


class Doc:
    """Accumulates the bytes of one document and the labels inside it."""

    def __init__(self):
        self.parts = []
        self.size = 0
        self.entities = []

    def put(self, text):
        b = text.encode("utf-8")
        self.parts.append(b)
        self.size += len(b)

    def val(self, v):
        start = self.size
        self.put(v.text)
        self.entities.append({"type": v.type, "start": start, "end": self.size})

    def t(self, template, **kw):
        """Write template; ⟦name⟧ is replaced by kw[name].  A V is labelled,
        anything else is written as plain (unlabelled) text."""
        pos = 0
        for m in PLACEHOLDER.finditer(template):
            self.put(template[pos:m.start()])
            x = kw[m.group(1)]
            if isinstance(x, V):
                self.val(x)
            else:
                self.put(str(x))
            pos = m.end()
        self.put(template[pos:])

    def line(self, template="", **kw):
        self.t(template, **kw)
        self.put("\n")

    def ends_with_newline(self):
        return bool(self.parts) and self.parts[-1].endswith(b"\n")

    def strip_final_newline(self):
        """Drop trailing newlines, so the last value may end the file."""
        while self.parts and self.parts[-1].endswith(b"\n"):
            b = self.parts[-1]
            nb = b.rstrip(b"\n")
            self.size -= len(b) - len(nb)
            self.parts[-1] = nb
            if not nb:
                self.parts.pop()

    def data(self):
        return b"".join(self.parts)


def cap(s):
    """Upper-case the first letter (skipping leading punctuation such as ¡)."""
    for i, ch in enumerate(s):
        if ch.isalpha():
            return s[:i] + ch.upper() + s[i + 1:]
    return s


def fill(template, **kw):
    """Plain-text fill of ⟦name⟧ placeholders (for text that holds no labels)."""
    return PLACEHOLDER.sub(lambda m: str(kw[m.group(1)]), template)
