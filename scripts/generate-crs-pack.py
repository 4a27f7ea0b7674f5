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
    lines.append(
        "        CRSRuleDefinition(id: %d, category: .%s, paranoiaLevel: %d, message: %s, targets: %s, kind: .%s, argument: %s, transforms: [%s], chain: [%s], atoms: %s),"
        % (rule["id"], category, rule["paranoia_level"], swift_string(rule["msg"]), swift_string(rule["targets"]), kind,
           swift_string(argument), ", ".join(swift_string(t) for t in rule["transforms"]), links, atom_list)
    )
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
