"""secretpack: what mksecrets.py and checkpack.py share about the detector
pack (collectors/secret/detectors.yaml): loading it, running one detector the
way the engine does (pattern, secret group, entropy, allow, stopwords), and
sampling strings from a pattern.

The sampler walks Python's parse of the pattern (the pack keeps to the PCRE2
subset Python reads the same way; to_python() converts the few spellings
that differ). Inside the secret group it draws random characters from each
class; outside it writes the shortest tidy context (no optional filler, one
space for \\s, the first branch of a terminator). It can also draw the secret
at the minimum length of every repetition, and with placeholders ('x' runs)
instead of random characters: the raw material of the near-miss negatives.
"""

import math
import re

try:  # Python 3.11+
    import re._parser as sre_parse
    import re._constants as C
except ImportError:  # pragma: no cover
    import sre_parse
    import sre_constants as C

import yaml

SEVERITIES = ("critical", "high", "medium", "low")
KEYS = {"id", "title", "severity", "keywords", "pattern", "secret_group",
        "entropy", "allow", "stopwords", "path_allow"}
REQUIRED = ("id", "title", "severity", "keywords", "pattern", "secret_group")
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PRINTABLE = [chr(c) for c in range(33, 127)]


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def to_python(pattern):
    """The PCRE2 spellings Python's re reads differently, converted."""
    p = pattern.replace(r"\z", r"\Z").replace("(?<", "(?P<")
    p = p.replace("(?P<=", "(?<=").replace("(?P<!", "(?<!")
    p = p.replace(r"\h", r"[ \t]")
    return p


def entropy(s):
    if not s:
        return 0.0
    n = len(s)
    counts = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    return -sum(c / n * math.log2(c / n) for c in counts.values())


class Detector:
    def __init__(self, d):
        self.d = d
        self.id = d["id"]
        self.group = d.get("secret_group", 0)
        self.rx = re.compile(to_python(d["pattern"]))
        self.allow = [re.compile(to_python(a)) for a in d.get("allow") or []]
        self.stop = [s.lower() for s in d.get("stopwords") or []]
        self.min_entropy = d.get("entropy")
        self.keywords = d.get("keywords") or []

    def why_not(self, secret):
        """None if secret is a finding, else why it is not."""
        if self.min_entropy is not None and entropy(secret) < self.min_entropy:
            return "entropy %.2f < %s" % (entropy(secret), self.min_entropy)
        low = secret.lower()
        for s in self.stop:
            if s in low:
                return "stopword " + s
        for a in self.allow:
            if a.search(secret):
                return "allow " + a.pattern
        return None

    def findings(self, text):
        """[(start, end, secret)] as the engine would report them."""
        out = []
        pos = 0
        while pos <= len(text):
            m = self.rx.search(text, pos)
            if not m:
                break
            s, e = m.span(self.group)
            secret = m.group(self.group)
            if secret is not None and s >= 0 and self.why_not(secret) is None:
                out.append((s, e, secret))
            pos = m.end() if m.end() > m.start() else m.start() + 1
        return out

    def has_keyword(self, text):
        low = text.lower()
        return any(k in low for k in self.keywords)


# --- sampling ---------------------------------------------------------------

def _class_chars(items, icase):
    """The characters of PRINTABLE + space/tab/newline an IN node accepts."""
    universe = PRINTABLE + [" ", "\t", "\n", "\r"]
    neg = False
    acc = set()
    for op, av in items:
        if op is C.NEGATE:
            neg = True
        elif op is C.LITERAL:
            acc.add(chr(av))
        elif op is C.RANGE:
            lo, hi = av
            for c in universe:
                if lo <= ord(c) <= hi:
                    acc.add(c)
        elif op is C.CATEGORY:
            for c in universe:
                if _in_category(c, av):
                    acc.add(c)
        else:
            raise ValueError("class item %s" % op)
    if icase:
        acc |= {c.swapcase() for c in acc}
    if neg:
        acc = set(universe) - acc
    return acc


def _in_category(c, cat):
    name = str(cat)
    if name.endswith("CATEGORY_DIGIT"):
        return c.isdigit()
    if name.endswith("CATEGORY_NOT_DIGIT"):
        return not c.isdigit()
    if name.endswith("CATEGORY_SPACE"):
        return c in " \t\n\r\f\v"
    if name.endswith("CATEGORY_NOT_SPACE"):
        return c not in " \t\n\r\f\v"
    if name.endswith("CATEGORY_WORD"):
        return c.isalnum() or c == "_"
    if name.endswith("CATEGORY_NOT_WORD"):
        return not (c.isalnum() or c == "_")
    raise ValueError("category %s" % name)


def node_chars(op, av, icase):
    """The set of characters a one-character node accepts, or None."""
    if op is C.LITERAL:
        s = {chr(av)}
        return s | {chr(av).swapcase()} if icase else s
    if op is C.NOT_LITERAL:
        return set(PRINTABLE + [" ", "\t"]) - {chr(av)}
    if op is C.IN:
        return _class_chars(av, icase)
    if op is C.ANY:
        return set(PRINTABLE + [" ", "\t"])
    return None


TIDY = [" ", "=", ":", '"', "'", "-", "_", "."]


class Sample:
    def __init__(self, text, span, runs):
        self.text = text      # the whole match
        self.span = span      # (start, end) of the secret group in text
        self.runs = runs      # [(start, end, charset, min)] repeat runs in the secret

    @property
    def secret(self):
        return self.text[self.span[0]:self.span[1]]


class Sampler:
    """mode: 'rand' (random secret), 'min' (every repetition in the secret at
    its minimum), 'ph' (placeholder characters instead of random ones)."""

    def __init__(self, pattern, group, rng, mode="rand", secret_override=None):
        self.parsed = sre_parse.parse(to_python(pattern))
        self.group = group
        self.rng = rng
        self.mode = mode
        self.override = secret_override
        self.out = []
        self.span = [None, None]
        self.runs = []
        self.depth = 0 if group else 1  # > 0: inside the secret

    def run(self):
        flags = self.parsed.state.flags
        if self.group == 0:
            self.span[0] = 0
        self._seq(self.parsed, bool(flags & re.IGNORECASE))
        text = "".join(self.out)
        if self.group == 0:
            self.span[1] = len(text)
        return Sample(text, tuple(self.span), self.runs)

    def _pick(self, chars, secret):
        chars = sorted(chars)
        if not chars:
            raise ValueError("empty class")
        if secret and self.mode != "ph":
            pool = [c for c in chars if c not in " \t\n\r\f\v"] or chars
            return self.rng.choice(pool)
        if secret:  # placeholder
            for c in ("x", "X", "0", "a", "A"):
                if c in chars:
                    return c
            return chars[0]
        word = [c for c in chars if c.isalnum()]
        if len(word) >= 3:
            return "a" if "a" in chars else word[0]
        for c in TIDY:
            if c in chars:
                return c
        for c in chars:
            if c.isalnum():
                return c.lower() if c.lower() in chars else c
        return chars[0]

    def _seq(self, seq, icase):
        for op, av in seq:
            self._node(op, av, icase)

    def _node(self, op, av, icase):
        secret = self.depth > 0
        chars = node_chars(op, av, icase)
        if chars is not None:
            if op is C.LITERAL:
                self.out.append(chr(av))
            else:
                self.out.append(self._pick(chars, secret))
            return
        if op is C.AT:
            return  # \b, ^, $: zero width; the caller's context provides
        if op is C.BRANCH:
            branches = av[1]
            if secret and self.mode == "rand":
                b = self.rng.choice(branches)
            elif secret:
                b = branches[0]
            else:
                # outside the secret: a keyword alternation varies (keyword
                # coverage), a terminator takes its first non-empty branch
                nonempty = [x for x in branches if not _only_at(x)]
                kw = len(nonempty) > 1 and all(_is_literal_seq(x) for x in nonempty) \
                    and max(len(x) for x in nonempty) >= 3
                b = self.rng.choice(nonempty) if kw else nonempty[0]
            self._seq(b, icase)
            return
        if op is C.SUBPATTERN:
            gid, add_flags, del_flags, sub = av
            ic = icase
            if add_flags & re.IGNORECASE:
                ic = True
            if del_flags & re.IGNORECASE:
                ic = False
            if gid is not None and gid == self.group:
                if self.override and self.mode == "rand":
                    self.span[0] = len("".join(self.out))
                    self.out.append(self.override(self.rng))
                    self.span[1] = len("".join(self.out))
                    return
                self.span[0] = len("".join(self.out))
                self.depth += 1
                self._seq(sub, ic)
                self.depth -= 1
                self.span[1] = len("".join(self.out))
                return
            self._seq(sub, ic)
            return
        if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, item = av
            single = len(item) == 1 and node_chars(item[0][0], item[0][1], icase) is not None
            if hi is C.MAXREPEAT:
                hi = lo + 64
            ws = single and node_chars(item[0][0], item[0][1], icase) <= set(" \t\r\n")
            if secret and self.mode == "rand" and not ws:
                n = self.rng.randint(lo, min(hi, lo + 64))
            else:
                n = lo
            start = len("".join(self.out))
            for _ in range(n):
                self._seq(item, icase)
            end = len("".join(self.out))
            if secret and single and end > start:
                self.runs.append((start, end, node_chars(item[0][0], item[0][1], icase), lo))
            return
        if op is getattr(C, "ATOMIC_GROUP", None):
            self._seq(av, icase)
            return
        raise ValueError("unsupported regex node %s" % op)


def _only_at(seq):
    return all(op is C.AT for op, _ in seq)


def _is_literal_seq(seq):
    return all(op is C.LITERAL for op, _ in seq)


def sample(det, rng, mode="rand", override=None, tries=200):
    """A sample of det's pattern whose secret passes det's filters (rand), or
    the first sample (min/ph: the caller mutates it)."""
    last = None
    for _ in range(tries):
        s = Sampler(det.d["pattern"], det.group, rng, mode, override).run()
        if mode != "rand":
            return s
        last = s
        if det.why_not(s.secret) is None:
            return s
    raise ValueError("%s: no sample passes the filters (last %r: %s)" %
                     (det.id, last.secret[:40], det.why_not(last.secret)))
