"""Document builder that keeps labels as byte offsets, plus small writers
for the structured formats (JSON, YAML, XML, CSV/TSV, Markdown, HTML).

A document is a list of pieces; a piece is plain text or a labelled value
`L(type, text)`.  Offsets are computed only once, in `Doc.build`, from the
UTF-8 encoding of the pieces, so no writer ever does offset arithmetic.
"""
import json

NBSP, NNBSP = "\u00a0", "\u202f"


class L:
    """A labelled value: `text` is exactly the labelled span."""
    __slots__ = ("type", "text")

    def __init__(self, type_, text):
        self.type, self.text = type_, text


class Mix:
    """A scalar made of several pieces (plain str and L), e.g. a JSON string
    "call 020 7946 1234 or mail a@b.org" with two labels inside it."""
    def __init__(self, *pieces):
        self.pieces = list(pieces)

    def plain(self):
        return "".join(p.text if isinstance(p, L) else p for p in self.pieces)


class Doc:
    def __init__(self):
        self.pieces = []

    def __call__(self, *items):
        """d("text", L(...), "more") appends pieces in order."""
        for it in items:
            if isinstance(it, Mix):
                self.pieces.extend(it.pieces)
            elif isinstance(it, (L, str)):
                self.pieces.append(it)
            else:
                raise TypeError(type(it))
        return self

    def line(self, *items):
        return self(*items, "\n")

    def size(self):
        return sum(len((p.text if isinstance(p, L) else p).encode()) for p in self.pieces)

    def build(self):
        out, labels, pos = [], [], 0
        for p in self.pieces:
            text = p.text if isinstance(p, L) else p
            b = text.encode("utf-8")
            if isinstance(p, L):
                labels.append({"type": p.type, "start": pos, "end": pos + len(b)})
            out.append(b)
            pos += len(b)
        return b"".join(out), labels


def esc_pieces(v, escape):
    """Apply a text escaper to a scalar (str, L or Mix), keeping labels on the
    escaped text."""
    if isinstance(v, L):
        return [L(v.type, escape(v.text))]
    if isinstance(v, Mix):
        return [L(p.type, escape(p.text)) if isinstance(p, L) else escape(p) for p in v.pieces]
    return [escape(str(v))]


# --------------------------------------------------------------------- JSON
def _jstr(s):
    return json.dumps(s, ensure_ascii=False)[1:-1]


def json_out(d, obj, indent=2, level=0, compact=False):
    """obj: dict / list / str / L / Mix / int / float / bool / None."""
    nl = "" if compact else "\n"
    pad = "" if compact else " " * (indent * (level + 1))
    end_pad = "" if compact else " " * (indent * level)
    colon = ":" if compact else ": "
    if isinstance(obj, dict):
        if not obj:
            return d("{}")
        d("{" + nl)
        for i, (k, v) in enumerate(obj.items()):
            d(pad + '"' + _jstr(k) + '"' + colon)
            json_out(d, v, indent, level + 1, compact)
            d(("," if i < len(obj) - 1 else "") + nl)
        return d(end_pad + "}")
    if isinstance(obj, list):
        if not obj:
            return d("[]")
        d("[" + nl)
        for i, v in enumerate(obj):
            d(pad)
            json_out(d, v, indent, level + 1, compact)
            d(("," if i < len(obj) - 1 else "") + nl)
        return d(end_pad + "]")
    if isinstance(obj, (L, Mix, str)):
        return d('"', *esc_pieces(obj, _jstr), '"')
    return d(json.dumps(obj))


# --------------------------------------------------------------------- YAML
def _yplain(s):
    """Quote a YAML scalar only when it needs it."""
    if s == "" or s[0] in "-?:,[]{}#&*!|>'\"%@`" or ": " in s or " #" in s or s in ("yes", "no", "on", "off"):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return s


def yaml_scalar(v):
    """Pieces for a YAML scalar.  Values made only of digits (SSN compact,
    NPI) are quoted so the document stays a string-typed YAML."""
    text = v.text if isinstance(v, L) else (v.plain() if isinstance(v, Mix) else str(v))
    quoted = text.replace(" ", "").replace("-", "").isdigit() or _yplain(text) != text
    if isinstance(v, (L, Mix)):
        pieces = v.pieces if isinstance(v, Mix) else [v]
        return (['"'] + pieces + ['"']) if quoted else pieces
    return [('"' + text + '"') if quoted and text.isdigit() else _yplain(text)]


def yaml_out(d, obj, level=0, in_list=False):
    pad = "  " * level
    if isinstance(obj, dict):
        for i, (k, v) in enumerate(obj.items()):
            lead = "" if (in_list and i == 0) else pad
            if isinstance(v, (dict, list)) and v:
                d(f"{lead}{k}:\n")
                yaml_out(d, v, level + 1)
            else:
                d(f"{lead}{k}: ", *yaml_scalar(v), "\n")
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, dict):
                d(f"{pad}- ")
                yaml_out(d, v, level + 1, in_list=True)
            else:
                d(f"{pad}- ", *yaml_scalar(v), "\n")
    return d


# ---------------------------------------------------------------------- XML
def _xesc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def xml_el(d, tag, value=None, attrs=(), level=0, children=None):
    """<tag a="..">value</tag>; attrs is a list of (name, scalar)."""
    d("  " * level + "<" + tag)
    for k, v in attrs:
        d(f' {k}="', *esc_pieces(v, _xesc), '"')
    if children is None and value is None:
        return d("/>\n")
    d(">")
    if children is not None:
        d("\n")
        for c in children:
            xml_el(d, *c[:2], attrs=c[2] if len(c) > 2 else (), level=level + 1,
                   children=c[3] if len(c) > 3 else None)
        return d("  " * level + f"</{tag}>\n")
    return d(*esc_pieces(value, _xesc), f"</{tag}>\n")


# ------------------------------------------------------- delimited tables
def _cesc(sep):
    def f(s):
        return '"' + s.replace('"', '""') + '"' if (sep in s or '"' in s) else s
    return f


def delimited(d, header, rows, sep=",", quote_all=False, crlf=False):
    """CSV/TSV; header may be None (headerless export)."""
    eol = "\r\n" if crlf else "\n"
    q = (lambda s: '"' + s.replace('"', '""') + '"') if quote_all else _cesc(sep)
    if header:
        d(sep.join(q(h) for h in header) + eol)
    for row in rows:
        for i, v in enumerate(row):
            if i:
                d(sep)
            if isinstance(v, L) and (quote_all or sep in v.text):
                d('"', v, '"')
            elif isinstance(v, (L, Mix)):
                d(*esc_pieces(v, lambda s: s))
            else:
                d(q(str(v)))
        d(eol)
    return d


def markdown_table(d, header, rows, align=None):
    d("| " + " | ".join(header) + " |\n")
    d("|" + "|".join(align or ["---"] * len(header)) + "|\n")
    for row in rows:
        d("|")
        for v in row:
            d(" ", *esc_pieces(v, lambda s: s.replace("|", "\\|")), " |")
        d("\n")
    return d


def html_table(d, header, rows, cls="grid"):
    d(f'<table class="{cls}">\n  <thead><tr>' + "".join(f"<th>{_xesc(h)}</th>" for h in header) + "</tr></thead>\n  <tbody>\n")
    for row in rows:
        d("    <tr>")
        for v in row:
            d("<td>", *esc_pieces(v, _xesc), "</td>")
        d("</tr>\n")
    return d("  </tbody>\n</table>\n")


# ------------------------------------------------ Unicode surroundings
# Openers/closers placed around a value in prose.  Labels never include them.
QUOTES = [("“", "”"), ("‘", "’"), ("«" + NBSP, NBSP + "»"), ("«", "»"), ("「", "」"),
          ("„", "“"), ("(", ")"), ("[", "]"), ("<", ">"), ("*", "*"), ("`", "`")]
TRAIL = [".", ",", ":", ";", "…", ")", "].", "!", "?", " —", "–", NBSP + "—"]
LEAD = [NBSP, NNBSP, "—", "– ", NBSP + ":" + NBSP, "→ ", NNBSP + "—" + NNBSP]


def wrap(rng, value, p_quote=0.35, p_trail=0.35, p_lead=0.2, no_colon_after=False):
    """Surround a labelled value with Unicode punctuation/space.  Returns a
    Mix.  no_colon_after avoids ':' directly after (IPv6)."""
    pieces = []
    if rng.random() < p_lead:
        pieces.append(rng.choice(LEAD))
    if rng.random() < p_quote:
        o, c = rng.choice(QUOTES)
        pieces += [o, value, c]
    else:
        pieces.append(value)
    if rng.random() < p_trail:
        t = rng.choice([x for x in TRAIL if not (no_colon_after and x.startswith(":"))])
        pieces.append(t)
    return Mix(*pieces)


def quoted(inner, prefix="> "):
    """Pieces of `inner` (a Doc) re-emitted as a quoted e-mail reply: every
    line gets `prefix`, including the inner lines of a labelled multi-line
    value (whose label then spans the prefixes, as it appears in the file)."""
    out, at_start = [], True
    for p in inner.pieces:
        text = p.text if isinstance(p, L) else p
        if isinstance(p, L):
            if at_start:
                out.append(prefix)
            out.append(L(p.type, text.replace("\n", "\n" + prefix)))
            at_start = False
            continue
        buf = ""
        for ch in text:
            if at_start:
                buf += prefix.rstrip() if ch == "\n" else prefix
                at_start = False
            buf += ch
            if ch == "\n":
                at_start = True
        out.append(buf)
    d = Doc()
    d.pieces = out
    return d
