#!/usr/bin/env python3
"""Generates Sources/PalisadeDetect/CRS/CRSRules+Generated.swift from the OWASP CRS rule metadata.

Input: ../shared/corpus/crs-rules.jsonl and crs-data/*.data (CRS, Apache-2.0; see CRS/NOTICE.md).
Only request rules of the attack families Palisade reports are kept (930-934, 941, 942, 944).
Run from the repository root: scripts/generate-crs-pack.py [CORPUS_DIR]
"""
import json
import os
import re
import sys

try:
    import re._parser as sre_parse
    import re._constants as C
except ImportError:
    import sre_parse
    import sre_constants as C


# Literal prefilter ("atoms"), in the manner of RE2's FilteredRE2: a set of strings such that every match
# of the pattern contains at least one of them (lowercased). Rules whose atoms are all absent from an
# input are not run. None means no such set was found and the rule always runs.
MAX_SET = 64
MAX_LEN = 12

def pre(p):
    p = re.sub(r'\\x\{([0-9a-fA-F]+)\}', lambda m: '\\x%02x' % int(m.group(1),16) if int(m.group(1),16) < 256 else '\\u%04x' % int(m.group(1),16), p)
    return p

def lowered(s): return s.lower()

# info: ('exact', set) or ('req', set|None)
def to_req(info):
    kind, s = info
    if kind == 'req': return s
    if s is None or '' in s or not s: return None
    return set(x[:MAX_LEN] for x in s)

def rarity(s):
    # Estimated chance that a random honest input contains one of the strings: letters, digits and
    # spaces are common, punctuation is rare.
    total = 0.0
    for x in s:
        p = 1.0
        for ch in x:
            p *= 0.1 if (ch.isalnum() or ch == ' ') else 0.01
        total += p
    return total

def better(a, b):
    if a is None: return b
    if b is None: return a
    return a if rarity(a) <= rarity(b) else b

def cls(items, neg):
    if neg: return None
    chars = set()
    for op, av in items:
        if op == C.LITERAL: chars.add(chr(av).lower())
        elif op == C.RANGE:
            lo, hi = av
            if hi - lo > 16: return None
            for c in range(lo, hi+1): chars.add(chr(c).lower())
        else: return None
    return chars if len(chars) <= 16 else None

def info(seq):
    """Exact strings for a sequence, or the best required set once anything inexact breaks the run."""
    cur = {""}
    best = None
    broken = False
    for op, av in seq:
        it = node(op, av)
        if it[0] == "exact" and it[1] is not None:
            prod = set()
            for a in cur:
                for b in it[1]:
                    prod.add(a + b)
                    if len(prod) > MAX_SET:
                        break
            if len(prod) <= MAX_SET and all(len(x) <= 24 for x in prod):
                cur = prod
                continue
            broken = True
            best = better(best, to_req(("exact", cur)))
            cur = it[1] if len(it[1]) <= MAX_SET else {""}
            continue
        broken = True
        best = better(best, to_req(("exact", cur)))
        best = better(best, to_req(it))
        cur = {""}
    if not broken:
        return ("exact", cur)
    return ("req", better(best, to_req(("exact", cur))))


def node(op, av):
    if op == C.LITERAL: return ('exact', {chr(av).lower()})
    if op == C.NOT_LITERAL: return ('req', None)
    if op == C.ANY: return ('req', None)
    if op == C.IN:
        neg = any(o == C.NEGATE for o, _ in av)
        s = cls([x for x in av if x[0] != C.NEGATE], neg)
        return ('exact', s) if s else ('req', None)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, 'POSSESSIVE_REPEAT', None):
        lo, hi, sub = av
        if lo == 0: return ('req', None)
        inner = info(list(sub))
        if lo == 1 and hi == 1: return inner
        return ('req', to_req(inner))
    if op == C.SUBPATTERN:
        return info(list(av[-1]))
    if op == getattr(C, 'ATOMIC_GROUP', None):
        return info(list(av))
    if op == C.BRANCH:
        _, branches = av
        infos = [info(list(b)) for b in branches]
        if all(i[0] == 'exact' for i in infos):
            u = set().union(*[i[1] for i in infos])
            if len(u) <= MAX_SET: return ('exact', u)
        reqs = [to_req(i) for i in infos]
        if any(r is None for r in reqs): return ('req', None)
        return ('req', set().union(*reqs))
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return ('exact', {''})
    return ('req', None)

# Atoms for plain inputs. Many command rules allow evasion bytes between letters (`b["')\[\\]*u…s…y`) or
# start at any separator (`;`, `|`, `=`, `$(` …): their atoms shrink to single letters. On an input that
# holds none of the "shell bytes" below, every such optional part must match empty and every branch that
# needs one cannot match, so the pattern restricted to the other bytes yields real atoms. The scan uses
# them only when the input variant has no shell byte.
SHELL_BYTES = frozenset(b"\"'()[]{}<>;=&|$`\\\n\r\x0b\x0c*^") | frozenset(range(0, 0x09)) | frozenset(range(0x0e, 0x20)) | frozenset([0x7f])
IMPOSSIBLE = object()

def restrict_seq(seq):
    out = []
    for op, av in seq:
        r = restrict_node(op, av)
        if r is IMPOSSIBLE: return IMPOSSIBLE
        if r is not None: out.append(r)
    return out

def restrict_node(op, av):
    if op == C.LITERAL:
        return IMPOSSIBLE if av < 0x100 and av in SHELL_BYTES else (op, av)
    if op == C.IN:
        if any(o == C.NEGATE for o, _ in av): return (op, av)
        allowed = class_bytes(av, False) - SHELL_BYTES
        if not allowed: return IMPOSSIBLE
        return (op, [(o, a) for o, a in av if not (o == C.LITERAL and a < 0x100 and a in SHELL_BYTES)])
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, "POSSESSIVE_REPEAT", None):
        lo, hi, sub = av
        r = restrict_seq(list(sub))
        if r is IMPOSSIBLE or not r: return None if lo == 0 else (IMPOSSIBLE if r is IMPOSSIBLE else None)
        return (op, (lo, hi, r))
    if op == C.SUBPATTERN:
        r = restrict_seq(list(av[-1]))
        return IMPOSSIBLE if r is IMPOSSIBLE else (op, tuple(av[:-1]) + (r,))
    if op == getattr(C, "ATOMIC_GROUP", None):
        r = restrict_seq(list(av))
        return IMPOSSIBLE if r is IMPOSSIBLE else (op, r)
    if op == C.BRANCH:
        kept = [r for r in (restrict_seq(list(b)) for b in av[1]) if r is not IMPOSSIBLE]
        if not kept: return IMPOSSIBLE
        return (op, (av[0], kept))
    return (op, av)

def plain_atoms(pattern):
    try:
        p = restrict_seq(list(sre_parse.parse(pre(pattern))))
    except Exception:
        return None
    if p is IMPOSSIBLE: return []
    r = to_req(info(p))
    return sorted(r) if r else None



# Command words: for the command rules of CRSCommandStart, the literal beginnings of the command part
# (what follows the gap `[\s\x0b]*(?:[!\$\(\{]…)*…(?:[…]+/)?[\"'\x5c]*`) on inputs without shell bytes.
# On such an input a match can only begin at the input's start, and the command word then begins after
# `json.`, blanks, `!` and a path: the scan checks those few places against these words before PCRE2.
MAX_WORD = 8
MAX_WORDS = 4000


def word_prefixes(seq):
    """(set, complete): every match of seq begins with one of the strings (lowercased, at most MAX_WORD
    long); complete when the set is exactly what seq matches."""
    cur = {""}
    for index, (op, av) in enumerate(seq):
        if op == C.MAX_REPEAT and av[0] == 0 and av[1] == 1:
            # Optional: the words with it and those without it.
            taken, whole = word_prefixes(list(av[2]) + list(seq[index + 1:]))
            skipped, also = word_prefixes(list(seq[index + 1:]))
            if taken is None or skipped is None:
                return None, False
            cur = {(a + b)[:MAX_WORD] for a in cur for b in taken | skipped}
            return (cur, whole and also) if len(cur) <= MAX_WORDS else (None, False)
        found, complete = word_prefixes_node(op, av)
        cur = {(a + b)[:MAX_WORD] for a in cur for b in found}
        if len(cur) > MAX_WORDS:
            return None, False
        if not complete:
            return cur, False
    return cur, True


def word_prefixes_node(op, av):
    if op == C.LITERAL:
        return {chr(av).lower()}, True
    if op == C.IN:
        chars = cls([x for x in av if x[0] != C.NEGATE], any(o == C.NEGATE for o, _ in av))
        return (chars, True) if chars else ({""}, False)
    if op == C.SUBPATTERN:
        return word_prefixes(list(av[-1]))
    if op == getattr(C, "ATOMIC_GROUP", None):
        return word_prefixes(list(av))
    if op == C.BRANCH:
        out, complete = set(), True
        for branch in av[1]:
            found, whole = word_prefixes(list(branch))
            if found is None:
                return None, False
            out |= found
            complete = complete and whole
        return out, complete
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, "POSSESSIVE_REPEAT", None):
        lo, hi, sub = av
        if lo == 0:
            return {""}, False
        found, complete = word_prefixes(list(sub))
        return found, complete and lo == 1 and hi == 1
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return {""}, True
    return {""}, False


# The evasion the command patterns put after each letter of a word. Without `$` in the input it matches
# only the bytes of EVASION_BYTES, which the scan skips between a word's letters; so for inputs with
# shell bytes (but no `$`) the words come from the pattern with the evasion removed.
EVASION = r"""[\"'\)\[\x5c]*(?:(?:(?:\|\||&&)[\s\x0b]*)?\$[!#\(\*\-0-9\?@_a-\{]*)?\x5c?"""
EVASION_BYTES = "\"')[\\"


def command_words(pattern, plain=True):
    """The command words of a plain input (without shell bytes), or with `plain` false those of any
    input without `$`, the evasion bytes skipped (cut before an evasion byte, so that skipping is safe)."""
    try:
        if plain:
            seq = restrict_seq(list(sre_parse.parse(pre(pattern))))
        else:
            seq = list(sre_parse.parse(pre(pattern.replace(EVASION, ""))))
    except Exception:
        return None
    if seq is IMPOSSIBLE:
        return None
    # The gap ends with the optional path (`(?:[…]+/)?`); the command part follows it.
    for index, (op, av) in enumerate(seq):
        if op == C.MAX_REPEAT and av[0] == 0 and av[1] == 1 and list(av[2])[-1:] == [(C.LITERAL, 0x2F)]:
            rest = seq[index + 1:]
            # Quotes and backslashes before the word (`[\"'\x5c]*`), which the scan skips as well.
            while rest and rest[0][0] == C.MAX_REPEAT and rest[0][1][0] == 0 and all(
                    o == C.IN and class_bytes(a, False) <= frozenset(b"\"'\\") for o, a in rest[0][1][2]):
                rest = rest[1:]
            found, _ = word_prefixes(rest)
            if found and not plain:
                found = {re.split("[%s]" % re.escape(EVASION_BYTES), word)[0] for word in found}
            if not found or "" in found or any(ord(ch) > 0x7F for word in found for ch in word):
                return None
            return sorted(found)
    return None

# The Windows command rules (932125, 932370, 932380) begin at a separator, then blanks, quotes, `(`, `,`
# or `@`, then an optional path, then a command word with `["^]*` after each letter. Their words come
# from the pattern with that evasion removed; the scan uses them on inputs without a backslash (which
# the path's other branches need).
WINDOWS_START = r"(?i)(?:[\n\r;`\{]|\|\|?|&&?)[\s\x0b]*[\s\x0b\"'\(,@]*(?:"
WINDOWS_EVASION = r'[\"\^]*'


def windows_command_words(pattern):
    if not pattern.startswith(WINDOWS_START) or WINDOWS_EVASION not in pattern:
        return None
    try:
        seq = list(sre_parse.parse(pre(pattern.replace(WINDOWS_EVASION, ""))))
    except Exception:
        return None
    if len(seq) < 5 or seq[3][0] != C.MAX_REPEAT or seq[3][1][:2] != (0, 1):
        return None
    found, _ = word_prefixes(seq[4:])
    if found:
        found = {re.split('["^]', word)[0] for word in found}
    if not found or "" in found or any(ord(ch) > 0x7F for word in found for ch in word):
        return None
    return sorted(found)


# Required byte sets, the cheaper cousin of atoms: a few sets of bytes such that every subject the
# pattern matches contains at least one byte of each set. They are checked against the set of bytes an
# input holds (one AND per set) before the automaton's hits or PCRE2 are consulted. 932230's leading
# group, for instance, needs one of `\n \r ; = ` { | & $ < > (` or a command word and a space.
# Letters always count in both cases, and in UTF mode any byte above 0x7F may occur.
ALL_BYTES = frozenset(range(256))
SPACE_BYTES = frozenset(b"\t\n\x0b\x0c\r \x85\xa0")
DIGIT_BYTES = frozenset(b"0123456789")
WORD_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_") | frozenset(range(0x80, 0x100))
MAX_REQUIRED = 4
MAX_PRODUCT = 8


def folded(codes, utf):
    out = set()
    for code in codes:
        if code > 0xFF or (utf and code > 0x7F):
            return None
        out.add(code)
        if 0x41 <= code <= 0x5A or 0x61 <= code <= 0x7A:
            out.add(code ^ 0x20)
    return out


def class_bytes(items, utf):
    negated = False
    out = set()
    for op, av in items:
        if op == C.NEGATE:
            negated = True
        elif op == C.LITERAL:
            f = folded([av], utf)
            if f is None:
                out |= set(range(0x80, 0x100))
            else:
                out |= f
        elif op == C.RANGE:
            lo, hi = av
            f = folded(range(lo, min(hi, 0xFF) + 1), False)
            out |= f
            if hi > 0x7F and utf:
                out |= set(range(0x80, 0x100))
        elif op == C.CATEGORY:
            name = str(av)
            if name.endswith("NOT_DIGIT"): out |= ALL_BYTES - DIGIT_BYTES
            elif name.endswith("NOT_SPACE"): out |= ALL_BYTES - SPACE_BYTES
            elif name.endswith("NOT_WORD"): out |= ALL_BYTES - WORD_BYTES | set(range(0x80, 0x100))
            elif name.endswith("DIGIT"): out |= DIGIT_BYTES
            elif name.endswith("SPACE"): out |= SPACE_BYTES
            elif name.endswith("WORD"): out |= WORD_BYTES
            else: return ALL_BYTES
        else:
            return ALL_BYTES
    if negated:
        out = (ALL_BYTES - out) | (set(range(0x80, 0x100)) if utf else set())
    return frozenset(out)


def byte_chance(code):
    # Rough share of honest inputs holding this byte: letters, digits and common punctuation are everywhere.
    ch = chr(code)
    if ch.isalnum() or ch in " .,-_:/@": return 0.3
    if code >= 0x80: return 0.05
    return 0.02


def chance(byteset):
    return min(1.0, sum(byte_chance(b) for b in byteset))


def best(sets):
    unique = sorted(set(sets), key=lambda b: (chance(b), len(b)))
    return [b for b in unique if len(b) < 200][:MAX_PRODUCT]


def required(seq, utf):
    out = []
    for op, av in seq:
        out += required_node(op, av, utf)
    return best(out)


def required_node(op, av, utf):
    if op == C.LITERAL:
        f = folded([av], utf)
        return [frozenset(f)] if f else []
    if op == C.IN:
        b = class_bytes(av, utf)
        return [b] if len(b) < 200 else []
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, "POSSESSIVE_REPEAT", None):
        lo, hi, sub = av
        return required(list(sub), utf) if lo >= 1 else []
    if op == C.SUBPATTERN:
        return required(list(av[-1]), utf)
    if op == getattr(C, "ATOMIC_GROUP", None):
        return required(list(av), utf)
    if op == C.ASSERT:
        # Looked-around bytes are in the subject too, which is what the sets are checked against.
        return required(list(av[1]), utf)
    if op == C.BRANCH:
        product = None
        for branch in av[1]:
            sets = required(list(branch), utf)
            if not sets:
                return []
            product = sets if product is None else best([a | b for a in product for b in sets])
        return product or []
    return []


# Letters and digits: most patterns need one (a keyword, a tag or function name, a command word) while
# their rarer required sets are punctuation, so an input with none (a megabyte of quotes, brackets and
# backslashes) would still run them. Every honest input has one, so the set filters only such inputs.
ALNUM_BYTES = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def needs_alnum(seq, utf):
    """Whether every match holds a letter or digit (in UTF mode a caseless letter may match a non-ASCII one: never)."""
    return not utf and any(needs_alnum_node(op, av) for op, av in seq)


def needs_alnum_node(op, av):
    if op == C.LITERAL:
        f = folded([av], False)
        return f is not None and f <= ALNUM_BYTES
    if op == C.IN:
        return class_bytes(av, False) <= ALNUM_BYTES
    if op in (C.MAX_REPEAT, C.MIN_REPEAT) or op == getattr(C, "POSSESSIVE_REPEAT", None):
        lo, hi, sub = av
        return lo >= 1 and needs_alnum(list(sub), False)
    if op == C.SUBPATTERN:
        return needs_alnum(list(av[-1]), False)
    if op == getattr(C, "ATOMIC_GROUP", None):
        return needs_alnum(list(av), False)
    if op == C.ASSERT:
        return needs_alnum(list(av[1]), False)
    if op == C.BRANCH:
        return all(needs_alnum(list(branch), False) for branch in av[1])
    return False


def required_sets(pattern, utf):
    try:
        parsed = sre_parse.parse(pre(pattern))
    except Exception:
        return []
    sets = [b for b in required(list(parsed), utf) if chance(b) < 0.9][:MAX_REQUIRED]
    if needs_alnum(list(parsed), utf) and not any(b <= ALNUM_BYTES for b in sets):
        # In place of the most common set when every slot is taken.
        sets = sets[:MAX_REQUIRED - 1] + [ALNUM_BYTES]
    return sets


def needs_utf(pattern):
    return any(len(m) > 2 for m in re.findall(r'\\x\{([0-9a-fA-F]+)\}', pattern))


def byte_words(byteset):
    words = [0, 0, 0, 0]
    for b in byteset:
        words[b >> 6] |= 1 << (b & 63)
    return "[" + ", ".join("0x%x" % w for w in words) + "]"


def atoms(pattern):
    try:
        p = sre_parse.parse(pre(pattern))
    except Exception as e:
        return None
    r = to_req(info(list(p)))
    return sorted(r) if r else None


corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "corpus")
out_path = os.path.join("Sources", "PalisadeDetect", "CRS", "CRSRules+Generated.swift")

FAMILIES = {"930": "traversal", "931": "traversal", "932": "cmdi", "933": "code", "941": "xss", "942": "sqli", "944": "code"}
SPECIAL = {
    942290: "nosql", 944150: "jndi", 944151: "jndi", 944152: "jndi",
    934100: "code", 934101: "code", 934140: "code", 934150: "code", 934160: "code",
    934110: "ssrf", 934120: "ssrf", 934170: "ssrf", 934190: "ssrf", 934130: "proto",
    934180: "ssti", 934200: "ssti", 934210: "nosql", 934220: "nosql",
}
OPERATORS = {"@rx": "regex", "@pm": "phrases", "@pmFromFile": "phraseFile"}
# Rules left out, with the reason. 941160's pattern (tag names spelled with any non-word bytes between
# the letters) backtracks in cubic time: 1 KiB of brackets costs seconds in PCRE2 and in ModSecurity
# alike. Palisade's own xss.script-tag and xss.event-handler cover what it looks for.
EXCLUDED = {941160}


def swift_string(text):
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif code < 0x20 or code > 0x7E:
            out.append("\\u{%x}" % code)
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def operator(text):
    negated = text.startswith("!")
    if negated:
        text = text[1:]
    name, _, argument = text.partition(" ")
    return negated, OPERATORS.get(name), argument


rules = []
files = set()
for line in open(os.path.join(corpus, "crs-rules.jsonl"), encoding="utf-8"):
    rule = json.loads(line)
    family = rule["file"][8:11]
    category = SPECIAL.get(rule["id"]) or FAMILIES.get(family)
    if category is None or rule["id"] in EXCLUDED:
        continue
    negated, kind, argument = operator(rule["operator"])
    if kind is None or negated:
        continue
    chain = []
    for link in rule["chain"]:
        link_negated, link_kind, link_argument = operator(link["operator"])
        if link["targets"].split("|")[0] != "MATCHED_VARS" or link_kind is None:
            chain = None
            break
        chain.append((link_negated, link_kind, link_argument, link["transforms"]))
    if chain is None:
        continue
    for k, a in [(kind, argument)] + [(c[1], c[2]) for c in chain]:
        if k == "phraseFile":
            files.add(a)
    rules.append((rule, category, kind, argument, chain))

lines = [
    "// Generated by scripts/generate-crs-pack.py from OWASP CRS rule metadata; do not edit.",
    "// Derived from the OWASP Core Rule Set (Apache-2.0); see NOTICE.md beside this file.",
    "",
    "extension CRSRuleDefinition {",
    "    static let generated: [CRSRuleDefinition] = [",
]
for rule, category, kind, argument, chain in rules:
    links = ", ".join(
        "CRSCondition(negated: %s, kind: .%s, argument: %s, transforms: [%s])"
        % ("true" if n else "false", k, swift_string(a), ", ".join(swift_string(t) for t in ts))
        for n, k, a, ts in chain
    )
    found = atoms(argument) if kind == "regex" else None
    # Patterns run in PCRE2's byte mode, where \x{bc} is the byte 0xBC; atoms are written as UTF-8
    # text, so a rule whose atoms need bytes above 0x7F always runs instead.
    if found is not None and any(ord(ch) > 0x7F for atom in found for ch in atom):
        found = None
    atom_list = "nil" if found is None else "[" + ", ".join(swift_string(a) for a in found) + "]"
    plain = plain_atoms(argument) if kind == "regex" else None
    if plain is not None and any(ord(ch) > 0x7F for atom in plain for ch in atom):
        plain = None
    # Worth it only when the plain atoms are rarer than the atoms every input is checked against.
    if plain is not None and found is not None and rarity(set(plain)) >= rarity(set(found)):
        plain = None
    plain_list = "nil" if plain is None else "[" + ", ".join(swift_string(a) for a in plain) + "]"
    required_list = ", ".join(byte_words(b) for b in (required_sets(argument, needs_utf(argument)) if kind == "regex" else []))
    lines.append(
        "        CRSRuleDefinition(id: %d, category: .%s, paranoiaLevel: %d, message: %s, targets: %s, kind: .%s, argument: %s, transforms: [%s], chain: [%s], atoms: %s, plainAtoms: %s, requiredBytes: [%s]),"
        % (rule["id"], category, rule["paranoia_level"], swift_string(rule["msg"]), swift_string(rule["targets"]), kind,
           swift_string(argument), ", ".join(swift_string(t) for t in rule["transforms"]), links, atom_list, plain_list, required_list)
    )
lines += ["    ]", "", "    /// The bytes whose absence lets the scan use a rule's `plainAtoms`.", "    static let shellBytes: [UInt64] = %s" % byte_words(SHELL_BYTES), ""]
lines += ["    /// For the command rules, the beginnings of their command words on inputs without `shellBytes` (lowercase).", "    static let commandWords: [Int: [String]] = ["]
for rule, category, kind, argument, chain in rules:
    words = command_words(argument) if kind == "regex" else None
    if words is not None:
        lines.append("        %d: [%s]," % (rule["id"], ", ".join(swift_string(w) for w in words)))
lines += ["    ]", "", "    /// The same for inputs with shell bytes but without `$` (the evasion bytes `\"')[\\` skipped between letters).", "    static let separatedCommandWords: [Int: [String]] = ["]
for rule, category, kind, argument, chain in rules:
    words = command_words(argument, plain=False) if kind == "regex" and EVASION in argument else None
    if words is not None:
        lines.append("        %d: [%s]," % (rule["id"], ", ".join(swift_string(w) for w in words)))
lines += ["    ]", "", "    /// The words of the Windows command rules, for inputs without a backslash (`\"` and `^` skipped between letters).", "    static let windowsCommandWords: [Int: [String]] = ["]
for rule, category, kind, argument, chain in rules:
    words = windows_command_words(argument) if kind == "regex" else None
    if words is not None:
        lines.append("        %d: [%s]," % (rule["id"], ", ".join(swift_string(w) for w in words)))
lines += ["    ]", "", "    static let phraseFiles: [String: [String]] = ["]
for name in sorted(files):
    phrases = []
    for raw in open(os.path.join(corpus, "crs-data", name), encoding="utf-8"):
        raw = raw.strip()
        if raw and not raw.startswith("#"):
            phrases.append(raw)
    lines.append("        %s: [" % swift_string(name))
    for phrase in phrases:
        lines.append("            %s," % swift_string(phrase))
    lines.append("        ],")
lines += ["    ]", "}", ""]
with open(out_path, "w", encoding="utf-8") as handle:
    handle.write("\n".join(lines))
print("wrote %d rules and %d phrase files to %s" % (len(rules), len(files), out_path))
