#!/usr/bin/env python3
"""Generate testdata/constraints/general: negative-constraint queries over real text.

Written before the extractor was changed (issue 13) so that the fixture does not fit it.
Passages are copied from the WordNet glosses (testdata/generated/wordnet.jsonl, made by
setup from Debian's wordnet-base), the Cranfield abstracts and paragraphs of Debian
documentation under /usr/share/doc. The queries are templated over many phrasings; some
templates are used only for the validation split, which is never used for tuning.

Run once (deterministic for the same inputs; the committed output is the fixture):
  python3 scripts/gen-constraint-fixture.py --cranfield /work/shared/data/cranfield/corpus.jsonl

Classes (see testdata/constraints/README.md): general, unrecognised, long, scoped,
negating, semantic. Each pair: {query_id, satisfying_id, violating_id, exclude, class,
split, source[, scope]}.
"""
import argparse, glob, gzip, json, os, random, re, collections

ap = argparse.ArgumentParser()
ap.add_argument("--wordnet", default="testdata/generated/wordnet.jsonl")
ap.add_argument("--cranfield", required=True)
ap.add_argument("--docs", default="/usr/share/doc")
ap.add_argument("--out", default="testdata/constraints/general")
ap.add_argument("--seed", type=int, default=13)
args = ap.parse_args()
rng = random.Random(args.seed)

STOP = set("""a about above after again against all am an and any are as at be because been before being
below between both but by can cannot could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself me more most my myself
no nor not of off on once only or other ought our ours ourselves out over own same she should so some such
than that the their theirs them themselves then there these they this those through to too under until up
very was we were what when where which while who whom why with would you your yours yourself yourselves
used use using especially usually often something someone one two three made make makes many much may also
etc e.g. i.e. esp like kind type form part
""".split())
WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]")
NEG = re.compile(r"\b(?:not|no|without|non|never|lacking|free of)\s+(?:a |an |the |any )?([a-z]+)", re.I)


def words(text):
    return [w.lower() for w in WORD.findall(text)]


def prefix(w):
    return w[:5] if len(w) >= 6 else w


def mentions(text, phrase):
    """text contains phrase (words adjacent, optional plural s/es), case-insensitively"""
    ws = phrase.split()
    pat = r"\b" + r"\W+".join(re.escape(w) + r"(?:s|es)?" for w in ws) + r"\b"
    return re.search(pat, text, re.I) is not None


def free_of(text, phrase):
    """text has no word sharing a stem-ish prefix with any content word of phrase"""
    tw = set(prefix(w) for w in words(text))
    return not any(prefix(w) in tw for w in phrase.lower().split() if w not in STOP)


def surface(text, x):
    """x as written in text (keeps the capitals of names)"""
    m = re.search(r"\b" + r"\W+".join(re.escape(w) for w in x.split()) + r"\b", text, re.I)
    return m.group(0) if m and " " not in x else x


def positive_mention(text, x):
    """text mentions x at least once outside a negation"""
    for m in re.finditer(r"\b" + re.escape(x) + r"(?:s|es)?\b", text, re.I):
        before = text[max(0, m.start() - 16):m.start()].lower()
        if not re.search(r"\b(?:not|no|without|non|never|lacking|free of)\W+(?:\w+\W+)?$", before):
            return True
    return False


# ---------------------------------------------------------------- sources
class Pool:
    def __init__(self, name, docs):
        self.name = name
        self.docs = docs  # id -> {"_id","title","text"}
        self.index = collections.defaultdict(set)  # word -> ids
        self.cache = {}
        for d in docs.values():
            for w in set(words(d["title"] + " " + d["text"])):
                self.index[w].add(d["_id"])

    def text(self, i):
        d = self.docs[i]
        return (d["title"] + " " + d["text"]).strip()

    def with_phrase(self, phrase):
        if phrase in self.cache:
            return self.cache[phrase]
        self.cache[phrase] = self._with_phrase(phrase)
        return self.cache[phrase]

    def _with_phrase(self, phrase):
        ws = phrase.lower().split()
        ids = set(self.index.get(ws[0], ())) | set(self.index.get(ws[0] + "s", ()))
        return sorted(i for i in ids if mentions(self.text(i), phrase))


wn = {}
nouns, adjs, synsets = set(), set(), []
with open(args.wordnet) as f:
    for line in f:
        d = json.loads(line)
        wn[d["_id"]] = {"_id": "wn-" + d["_id"], "title": d["title"], "text": d["text"]}
        lemmas = [l.strip() for l in d["title"].split(",")]
        if d["_id"].startswith("noun-"):
            nouns.update(l.lower() for l in lemmas if l.isalpha())
            single = [l for l in lemmas if l.isalpha() and l.islower()]
            if len(single) >= 2:
                synsets.append(single)
        elif d["_id"].startswith(("adj-", "adjsat-")):
            adjs.update(l.lower() for l in lemmas if l.isalpha())
verbs = set()
for k, d in wn.items():
    if k.startswith("verb-"):
        verbs.update(l.strip().lower() for l in d["title"].split(","))
wordnet = Pool("wordnet", {d["_id"]: d for d in wn.values()})
pure_nouns = {n for n in nouns if n not in adjs and n not in verbs and len(n) >= 4 and n not in STOP}

cran = {}
with open(args.cranfield) as f:
    for line in f:
        d = json.loads(line)
        t = d["text"]
        if not t.strip():
            continue
        # the title repeats as the first sentence: drop it, keep about 500 characters
        body = t[len(d["title"]):].strip() if t.startswith(d["title"]) else t
        cut = body[:520]
        if len(body) > 520:
            cut = cut[: cut.rfind(" . ") + 2] if " . " in cut else cut
        cran["cran-" + d["_id"]] = {"_id": "cran-" + d["_id"], "title": d["title"].rstrip(" ."), "text": cut.strip()}
cranfield = Pool("cranfield", cran)

deb = {}
for path in sorted(glob.glob(os.path.join(args.docs, "*", "README*")) + glob.glob(os.path.join(args.docs, "*", "NEWS*"))):
    try:
        raw = gzip.open(path, "rt", errors="replace").read() if path.endswith(".gz") else open(path, errors="replace").read()
    except (OSError, EOFError):
        continue
    pkg = path.split("/")[-2]
    for n, para in enumerate(re.split(r"\n\s*\n", raw)):
        p = " ".join(para.split())
        if 160 <= len(p) <= 600 and p.count(" ") > 25 and not re.search(r"[{}<>|$]|--|==|\*\*|http", p):
            i = "deb-%s-%d" % (pkg, n)
            deb[i] = {"_id": i, "title": "", "text": p}
debian = Pool("debian", deb)
print("pools: wordnet %d, cranfield %d, debian %d" % (len(wordnet.docs), len(cranfield.docs), len(debian.docs)))

CRAN_PHRASES = """boundary layer|mach number|heat transfer|reynolds number|flat plate|wind tunnel|pressure distribution|
shock wave|leading edge|skin friction|supersonic flow|stagnation point|turbulent boundary|pressure gradient|hypersonic flow|
aspect ratio|incompressible flow|static pressure|cylindrical shells|wall temperature|inviscid flow|blunt body|pitching moment|
prandtl number|compressible flow|circular cylinder|aerodynamic heating|slender body|heat conduction|magnetic field|laminar flow|
axial compression|viscous flow|trailing edge|newtonian theory|shock tube|normal shock|velocity profile|creep buckling|transition|
buckling|flutter|wing|cone|nozzle|ablation|dissociation|vortex|jet|propeller|panel|plate|shell|delta wing|heat flux|
missile|satellite|helium|air|nitrogen|temperature|vibration|radiation|oscillation|similarity|suction|injection|
separation|drag|lift|stability|interference|cylinder|sphere|fuselage|cavity|slipstream|damping""".replace("\n", "").split("|")


def pick_pair(pool, tvocab, xvocab, tries=400, need_sat_word=None, xfilter=None):
    """topic T and exclusion X with a violating passage (T and X) and a satisfying one (T, free of X)"""
    for _ in range(tries):
        t = rng.choice(tvocab)
        tdocs = pool.with_phrase(t)
        if not 2 <= len(tdocs) <= 400:
            continue
        vio = rng.choice(tdocs)
        vtext = pool.text(vio)
        vw = set(words(vtext))
        xcand = [x for x in xvocab if x in vw] if pool is not cranfield else xvocab
        xs = [x for x in xcand if x != t and x not in t and t not in x and (xfilter is None or xfilter(x)) and mentions(vtext, x) and positive_mention(vtext, x)]
        if not xs:
            continue
        x = rng.choice(xs)
        sats = [i for i in tdocs if i != vio and free_of(pool.text(i), x)]
        if need_sat_word:
            pref = [i for i in sats if re.search(r"\b" + need_sat_word, pool.text(i), re.I)]
            sats = pref or sats
        if not sats:
            continue
        others = [i for i in pool.with_phrase(x) if i != vio and not mentions(pool.text(i), t)][:50]
        return surface(vtext, t), surface(vtext, x), rng.choice(sats), vio, (rng.choice(others) if others else None)
    return None


def vocab(pool, lo, hi, allowed=None):
    out = []
    for w, ids in pool.index.items():
        if lo <= len(ids) <= hi and w not in STOP and len(w) >= 4 and (allowed is None or w in allowed):
            out.append(w)
    return sorted(out)


wn_vocab = vocab(wordnet, 12, 300, pure_nouns)
deb_vocab = vocab(debian, 4, 60, pure_nouns)
cran_vocab = CRAN_PHRASES
POOLS = [(wordnet, wn_vocab, wn_vocab, 0.5), (cranfield, cran_vocab, cran_vocab, 0.3), (debian, deb_vocab, deb_vocab, 0.2)]


def choose_pool():
    r = rng.random()
    acc = 0
    for p in POOLS:
        acc += p[3]
        if r < acc:
            return p
    return POOLS[0]


# ---------------------------------------------------------------- templates
# (template, instruction-or-query, validation-only)
GENERAL = [
    ("{T}, but don't mention {X}", False), ("find passages about {T} that do not mention {X}", False),
    ("{T} excluding {X}", False), ("{T}, except {X}", False), ("{T} other than {X}", False),
    ("information on {T} apart from {X}", False), ("{T}, aside from {X}", False), ("{T} not including {X}", False),
    ("{T}, leaving out {X}", False), ("describe {T}, omitting {X}", False), ("{T}, ignoring {X}", False),
    ("{T}, setting aside {X}", False), ("{T}; never mention {X}", False), ("{T} with no references to {X}", False),
    ("{T}, but not {X}", False), ("{T} without any mention of {X}", False), ("Tell me about {T}. Do not talk about {X}.", False),
    ("{T} except for anything about {X}", False), ("passages on {T}, excluding the {X}", False),
    ("what is known about {T}, with the exception of {X}", True), ("{T} (nothing on {X})", True),
    ("an account of {T}, excluding anything to do with {X}", True), ("{T}, and please skip {X}", True),
    ("{T}, no {X}", True), ("{T} minus {X}", True), ("{T}, disregarding {X}", True),
    ("give me {T} but leave out {X}", True), ("{T}, but I don't want to read about {X}", True),
    ("{T}; do not bring up {X}", True),
]
INSTRUCTIONS = [
    ("Retrieve passages that answer the query, but don't mention {X}", False),
    ("Find relevant passages. Exclude anything about {X}.", False),
    ("Given a topic, retrieve passages about it without mentioning {X}", False),
    ("Retrieve documents on the topic; they must not discuss {X}", True),
    ("Find passages for the query, leaving {X} out entirely", True),
]
UNRECOGNISED = [
    ("{T} without mentioning {X}", False), ("{T}, without referencing {X}", False),
    ("an overview of {T} without discussing {X}", False), ("{T} outside of its association with {X}", False),
    ("{T} outside its connection with {X}", False), ("a non {X} summary of {T}", False),
    ("a non-{X} account of {T}", False), ("an introduction to {T} without {X}", False), ("{T} without {X}", False),
    ("{T}, without bringing up {X}", True), ("{T} outside of any link to {X}", True), ("non {X} views of {T}", True),
    ("{X}-free material on {T}", True), ("{T} without reference to {X}", True), ("{T} free of {X}", True),
]
LONG = [
    ("{T}, excluding its role in {X}", False), ("{T} excluding their involvement in the {X}", False),
    ("{T}, excluding its influence on {X}", False), ("{T} but not its relationship to {X}", False),
    ("{T} without mentioning the history of its use in {X}", False), ("{T}, excluding its effect on the {X}", False),
    ("{T}, apart from their impact on {X}", False),
    ("{T}, excluding any of its applications to {X}", True), ("{T}, leaving aside their contribution to {X}", True),
    ("{T} without discussing its connection with the {X}", True),
]
SCOPED = [
    ("({A} excluding {a}) and ({B} excluding {b})", False), ("({A} excluding {a}) compared with ({B} excluding {b})", False),
    ("{A} without {a}, versus {B} without {b}", False), ("{A} but not {a}; {B} but not {b}", False),
    ("{A} (except {a}) and {B} (except {b})", False),
    ("compare {A} (leaving out {a}) with {B} (leaving out {b})", True),
    ("{A} other than {a}, and {B} other than {b}", True),
]


def template(lst, validation):
    cands = [t for t, vonly in lst if validation or not vonly]
    if validation:
        vo = [t for t, vonly in lst if vonly]
        if vo and rng.random() < 0.6:
            cands = vo
    return rng.choice(cands)


corpus, queries, pairs = {}, [], []


def add_doc(pool, i):
    if i is not None:
        corpus[i] = pool.docs[i]


def add_query(cls, text, instruction, prs, validation, source):
    qid = "g%03d" % (len(queries) + 1)
    queries.append({"_id": qid, "text": text, "instruction": instruction})
    for p in prs:
        p = dict(p)
        p["query_id"] = qid
        p["class"] = cls
        p["split"] = "validation" if validation else "tune"
        p["source"] = source
        pairs.append(p)


def split_flags(n, nval):
    flags = [True] * nval + [False] * (n - nval)
    rng.shuffle(flags)
    return flags


def gen_simple(cls, templates, n, nval, xfilter=None, long_rel=False):
    made = 0
    flags = split_flags(n, nval)
    while made < n:
        pool, tv, xv, _ = choose_pool()
        if xfilter and pool is not wordnet:
            pool, tv, xv = wordnet, wn_vocab, wn_vocab
        got = pick_pair(pool, tv, xv, xfilter=xfilter)
        if not got:
            continue
        t, x, sat, vio, other = got
        val = flags[made]
        instr = ""
        if cls == "general" and rng.random() < 0.2:
            instr = template(INSTRUCTIONS, val).format(X=x)
            text = t
        else:
            tpl = template(templates, val)
            if "{X}-free" in tpl and " " in x:
                continue
            text = tpl.format(T=t, X=x)
        for i in (sat, vio, other):
            add_doc(pool, i)
        add_query(cls, text, instr, [{"satisfying_id": sat, "violating_id": vio, "exclude": [x]}], val, pool.name)
        made += 1


def gen_scoped(n, nval):
    made = 0
    flags = split_flags(n, nval)
    while made < n:
        pool, tv, xv, _ = choose_pool()
        g1 = pick_pair(pool, tv, xv)
        g2 = pick_pair(pool, tv, xv)
        if not g1 or not g2:
            continue
        (A, a, satA, vioA, oA), (B, b, satB, vioB, oB) = g1, g2
        if len({A, a, B, b}) < 4 or vioA == vioB or satA == satB or {satA, satB} & {vioA, vioB}:
            continue
        if any(mentions(pool.text(i), b) for i in (satA, vioA)) or any(mentions(pool.text(i), a) for i in (satB, vioB)):
            continue
        val = flags[made]
        text = template(SCOPED, val).format(A=A, a=a, B=B, b=b)
        prs = [{"satisfying_id": satA, "violating_id": vioA, "exclude": [a], "scope": A},
               {"satisfying_id": satB, "violating_id": vioB, "exclude": [b], "scope": B}]
        for i in (satA, vioA, satB, vioB, oA, oB):
            add_doc(pool, i)
        add_query("scoped", text, "", prs, val, pool.name)
        made += 1


def gen_negating(n, nval):
    """the satisfying passage itself says "not X" / "without X" / "no X"."""
    made = 0
    flags = split_flags(n, nval)
    tries = 0
    while made < n and tries < 200000:
        tries += 1
        pool, tv, xv, _ = choose_pool() if rng.random() < 0.3 else POOLS[0]
        sat = rng.choice(list(pool.docs))
        st = pool.text(sat)
        m = NEG.search(st)
        if not m:
            continue
        x = m.group(1).lower()
        if x in STOP or len(x) < 4 or positive_mention(st, x):
            continue
        ts = [w for w in set(words(st)) if w in (set(tv) if pool is not cranfield else set()) or (pool is cranfield and w in tv)]
        ts = [w for w in ts if w != x and prefix(w) != prefix(x)]
        rng.shuffle(ts)
        for t in ts:
            vios = [i for i in pool.with_phrase(t) if i != sat and mentions(pool.text(i), x) and positive_mention(pool.text(i), x)]
            if vios:
                vio = rng.choice(vios)
                val = flags[made]
                text = template(GENERAL, val).format(T=t, X=x)
                add_doc(pool, sat)
                add_doc(pool, vio)
                add_query("negating", text, "", [{"satisfying_id": sat, "violating_id": vio, "exclude": [x]}], val, pool.name)
                made += 1
                break


def gen_semantic(n, nval):
    """the violating passage names the excluded thing by a synonym (a WordNet synset's other lemma)."""
    made = 0
    flags = split_flags(n, nval)
    while made < n:
        syn = rng.choice(synsets)
        x, other = rng.sample(syn, 2)
        if len(x) < 4 or len(other) < 4 or x in STOP or other in STOP:
            continue
        odocs = [i for i in wordnet.with_phrase(other) if free_of(wordnet.text(i), x)]
        if len(odocs) < 1:
            continue
        vio = rng.choice(odocs)
        ts = [w for w in set(words(wordnet.text(vio))) if w in pure_nouns and w not in (x, other) and prefix(w) not in (prefix(x), prefix(other))]
        rng.shuffle(ts)
        for t in ts[:10]:
            sats = [i for i in wordnet.with_phrase(t) if i != vio and free_of(wordnet.text(i), x) and free_of(wordnet.text(i), other)]
            if sats and len(wordnet.with_phrase(t)) < 300:
                sat = rng.choice(sats)
                val = flags[made]
                text = template(GENERAL, val).format(T=t, X=x)
                add_doc(wordnet, sat)
                add_doc(wordnet, vio)
                add_query("semantic", text, "", [{"satisfying_id": sat, "violating_id": vio, "exclude": [x], "synonym": other}], val, "wordnet")
                made += 1
                break


gen_simple("general", GENERAL, 130, 30)
gen_simple("unrecognised", UNRECOGNISED, 90, 22, )
gen_simple("long", LONG, 60, 15)
gen_scoped(45, 12)
gen_negating(45, 11)
gen_semantic(30, 10)

# off-topic fillers so that a topic word alone does not find everything
for pool, k in ((wordnet, 150), (cranfield, 40), (debian, 30)):
    for i in rng.sample(sorted(pool.docs), k):
        add_doc(pool, i)

os.makedirs(args.out, exist_ok=True)
ids = sorted(corpus)
with open(os.path.join(args.out, "corpus.jsonl"), "w") as f:
    for i in ids:
        f.write(json.dumps(corpus[i], ensure_ascii=False) + "\n")
with open(os.path.join(args.out, "queries.jsonl"), "w") as f:
    for q in queries:
        f.write(json.dumps(q, ensure_ascii=False) + "\n")
with open(os.path.join(args.out, "pairs.jsonl"), "w") as f:
    for p in pairs:
        f.write(json.dumps(p, ensure_ascii=False) + "\n")
c = collections.Counter((p["class"], p["split"]) for p in pairs)
print("queries %d, pairs %d, corpus %d" % (len(queries), len(pairs), len(corpus)))
print(sorted(c.items()))
print("validation queries:", len({p["query_id"] for p in pairs if p["split"] == "validation"}))
