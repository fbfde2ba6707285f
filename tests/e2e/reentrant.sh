#!/bin/sh
# Static check: the engine and the layers under it are reentrant.
# Collection of live clusters and cloud accounts will run concurrently, so
# the code of checks/, core/ and collectors/ keeps no mutable state of its
# own: no `static` variable that is not const (a scratch buffer, a cache, a
# counter) and no global variable, at file scope or in a function. State
# belongs to the caller's struct (struct engine, struct store, a
# collector's run). The few exceptions are listed below with the reason
# each is safe; a new one fails here until it is moved into a struct or
# listed with its reason. The test proves it catches a planted static.
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$TOP_SRCDIR/tests/e2e/lib.sh"
e2e_init

# file:name  reason
ALLOWED='
core/log.c:log_quiet               the terminal: set once by main before any work
core/log.c:log_progress            the terminal progress line, drawn by the main thread
core/store.c:store_configured      pthread_once flag (SQLite process-wide settings)
checks/catalogue.c:catalogue_once  pthread_once flag
checks/catalogue.c:catalogue_loaded   made once under pthread_once, read-only after
checks/catalogue.c:catalogue_nloaded  made once under pthread_once, read-only after
checks/catalogue.c:catalogue_diag     made once under pthread_once, read-only after
checks/rule_check.c:rule_check_db_once  pthread_once flag
checks/rule_check.c:rule_check_db  opened once under pthread_once; a FULLMUTEX connection
core/yamlfast.c:yf_spare           a parser line table to reuse, taken and given back atomically
core/yamlfast.c:yj_slow_only       a test switch, set before parsing
core/jalloc.c:ja_arenas            the jansson arenas: each taken by one parse at a time (atomic owned), live counted atomically
core/jalloc.c:ja_n                 atomic: arenas set up, published with release
core/jalloc.c:ja_lock              a mutex: making a new arena
core/jalloc.c:ja_once              pthread_once flag (the jansson hooks, installed once)
core/jalloc.c:ja_mine              _Thread_local: the arena of the parse on this thread
collectors/code/code_git.c:code_git_lock  a mutex: the clones to remove at exit
collectors/code/code_git.c:code_git_tmp   clones removed at exit (targets handed over read them later), under code_git_lock
collectors/code/code_git.c:code_git_ntmp  the same, under code_git_lock
collectors/secret/detect.c:detect_once         pthread_once flag (the built-in detectors, compiled once)
collectors/secret/detect.c:detect_builtin_d    made once under pthread_once, read-only after
collectors/secret/detect.c:detect_builtin_err  made once under pthread_once, read-only after
collectors/secret/detect.c:detect_scratch_key  a pthread key: a Vectorscan scratch per thread
collectors/secret/detect.c:detect_scratch_once pthread_once flag (that key)
'

# Prints "file:line:name" for every mutable static or global in the files.
FIND='
import re, sys
out = []
for path in sys.argv[1:]:
    rel = path.split("/")
    rel = "/".join(rel[-2:]) if rel[-3:-2] != ["collectors"] or len(rel) < 3 else "/".join(rel[-3:])
    depth = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # strip comments and strings, keeping lines
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r"\"(\\\\.|[^\"\\\\\n])*\"", "\"\"", text)
    text = re.sub(r"\x27(\\\\.|[^\x27\\\\\n])*\x27", "0", text)
    lines = text.split("\n")
    for no, line in enumerate(lines, 1):
        s = line.strip()
        m = re.match(r"static\s+(.*)", s) if (s.startswith("static ") or s.startswith("static\t")) else None
        glob = depth == 0 and not m and re.match(r"[A-Za-z_][\w\s\*]*?\b(\w+)\s*(\[[^\]]*\])*\s*(=[^;]*)?;$", s) \
            and not re.match(r"(typedef|extern|return|struct\s+\w+\s*;|enum\s+\w+\s*;|union\s+\w+\s*;)", s)
        depth += line.count("{") - line.count("}")
        if glob:
            decl = s.split("=")[0].rstrip(" ;")
        elif m:
            decl = re.split(r"[=;{]", m.group(1))[0].strip()
            if "(" in decl:
                continue  # a function (or a function pointer: none today)
            if not re.search(r"[=;{]", s) and no < len(lines) and "(" in lines[no].split(";")[0]:
                continue  # a function whose name is on the next line
        else:
            continue
        toks = re.findall(r"\w+|\*", re.sub(r"\[[^\]]*\]", "", decl))
        if not toks:
            continue
        stars = [i for i, t in enumerate(toks) if t == "*"]
        if stars:
            const = len(toks) > stars[-1] + 1 and toks[stars[-1] + 1] == "const"
        else:
            const = "const" in toks
        if const:
            continue
        names = [t for t in toks if t not in ("const", "*", "struct", "unsigned", "signed", "long", "short")]
        name = names[-1] if names else "?"
        if name in ("struct", "union", "enum") or decl.endswith(("struct", "union")) or re.fullmatch(r"(const\s+)?(struct|union)(\s+\w+)?", decl):
            # "static struct {" : the name comes after the closing brace
            rest = lines[no:]
            for later in rest:
                mm = re.match(r"\s*\}\s*(\w+)", later)
                if mm:
                    name = mm.group(1)
                    break
        out.append("%s:%d:%s" % (rel, no, name))
print("\n".join(out))
'

found=$("$PYTHON" -c "$FIND" "$TOP_SRCDIR"/checks/*.c "$TOP_SRCDIR"/core/*.c \
    "$TOP_SRCDIR"/collectors/*.c "$TOP_SRCDIR"/collectors/*/*.c)
bad=
for f in $found; do
    key=${f%%:*}:${f##*:}
    if ! printf '%s\n' "$ALLOWED" | grep -q "^$key "; then
        bad="$bad $f"
    fi
done
check_eq "no mutable static or global state in checks/, core/, collectors/ (but the listed)" "" "$bad"

# Every listed exception is still there (else it should leave the list).
stale=
for key in $(printf '%s\n' "$ALLOWED" | awk 'NF {print $1}'); do
    if ! printf '%s\n' $found | grep -q "^${key%%:*}:[0-9]*:${key#*:}\$"; then
        stale="$stale $key"
    fi
done
check_eq "every listed exception is still in the code" "" "$stale"

# The check catches what it is for: planted statics, of every shape.
mkdir -p planted/checks
cat >planted/checks/planted.c <<'C'
static const char *const fine[] = {"a"};
static const int fine2 = 3;
static int counter;
static const char *last_name;
struct strbuf;
int global_hits = 0;
static struct {
    int a;
} state;
static void f(void)
{
    static char buf[64];
    static struct strbuf sb;
    static const char table[] = "x";
    (void)buf;
    (void)table;
}
C
got=$("$PYTHON" -c "$FIND" planted/checks/planted.c | sed 's/:[0-9]*:/:/' | tr '\n' ' ')
check_eq "it finds planted statics and globals, and only those" \
    "checks/planted.c:counter checks/planted.c:last_name checks/planted.c:global_hits checks/planted.c:state checks/planted.c:buf checks/planted.c:sb " "$got"

e2e_finish
