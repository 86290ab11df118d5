#!/usr/bin/env python3
"""Every fenced block of docs/*.md and README.md is checked according to its kind, so that a
wrong name fails CI instead of a reader (docs/testing.md, "Docs snippets").

A block is preceded, on the line just before its fence, by a marker:

  <!-- snippet: PATH -->        built and run by tests/out_of_tree/doc_snippets.sh
  <!-- check: KIND [OPTIONS] -->
or, with lines of context (a template: the line SNIPPET stands for the block, else the block
comes after them):
  <!-- check: KIND [OPTIONS]
  ...context...
  -->

KIND is one of
  cpp, c       compiled (-fsyntax-only, warnings as errors) with the project's include
               directory; the block's leading #include and using lines come first, then the
               template. Errors point at the lines of the .md file.
  json         parsed; `…` stands for elided members or values (an object with `…` is not
               checked for its required members). schema=FILE#POINTER validates it (a JSON
               Schema subset: type, properties, required, additionalProperties, items, enum,
               const, pattern, oneOf, anyOf, $ref, nullable). member: the block is one member
               ("key": value) and the schema is its value's.
  jsonl        each line is json (same options).
  sse          a Server-Sent Events stream: fields id, event, data, retry and comments; each
               data line is json (same options).
  toml-config  the real loader: `conventiond check-config FILE` on the template.
  sh           bash -n; every `conventiond COMMAND --option` exists (--help), every /v1/...
               route and its query parameters are in docs/openapi.json, every --preset is in
               CMakePresets.json, every scripts/... file exists. run: the template is also
               run by bash -e in an empty folder, with the build's conventiond first on PATH
               and SRC the source tree.
  python       the template is run by python3 (SRC in the environment).
An unmarked block, or an unknown kind, is an error.

  usage: check_doc_snippets.py SOURCE_DIR BUILD_DIR [CXX]
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import tomllib

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
CXX = sys.argv[3] if len(sys.argv) > 3 else "g++"
BIN = os.path.join(BUILD, "conventiond")
ELLIPSIS = "\u2026"
failures = []


class Block:
    def __init__(self, doc, line, lang, text, kind, options, template, marker_line):
        self.doc, self.line, self.lang, self.text = doc, line, lang, text
        self.kind, self.options, self.template, self.marker_line = kind, options, template, marker_line

    def where(self):
        return f"{self.doc}:{self.line}"


def blocks_of(doc):
    """The fenced blocks of a Markdown file, each with the marker just before it."""
    lines = open(os.path.join(SRC, doc), encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(```+|~~~+)\s*(\S*)", lines[i])
        if not m:
            i += 1
            continue
        fence, lang, start = m.group(1), m.group(2), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith(fence):
            j += 1
        text = "\n".join(lines[start + 1:j])
        kind, options, template, marker_line = None, {}, None, None
        # The marker: an HTML comment ending on the line just before the fence.
        if start > 0 and lines[start - 1].rstrip().endswith("-->"):
            k = start - 1
            while k >= 0 and "<!--" not in lines[k]:
                k -= 1
            comment = lines[k:start]
            head = comment[0].split("<!--", 1)[1]
            if len(comment) == 1:
                head = head.rsplit("-->", 1)[0]
            mm = re.match(r"\s*(check|snippet):\s*(.*)", head)
            if mm and mm.group(1) == "snippet":
                kind = "snippet"
            elif mm:
                words = shlex.split(mm.group(2))
                kind = words[0] if words else ""
                for w in words[1:]:
                    key, _, value = w.partition("=")
                    options[key] = value if _ else True
                if len(comment) > 1:
                    template, marker_line = comment[1:-1], k + 2
        yield Block(doc, start + 1, lang, text, kind, options, template, marker_line)
        i = j + 1


def fail(block, message):
    failures.append(f"{block.where()}: {message}")


def fill(block, snippet_lines, snippet_first_line, line_marker=None):
    """The template with the block in place of its SNIPPET line (or after it)."""
    def mark(n):
        return [line_marker(n)] if line_marker else []
    template = block.template or []
    out, placed = [], False
    for n, t in enumerate(template):
        if t.strip() == "SNIPPET":
            out += mark(snippet_first_line) + snippet_lines + mark(block.marker_line + n + 1)
            placed = True
        else:
            out.append(t)
    if not placed:
        out += mark(snippet_first_line) + snippet_lines
    return (mark(block.marker_line) if template else []) + out


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)


# --- C and C++ ---------------------------------------------------------------------------

def check_compiled(block, lang):
    lines = block.text.split("\n")
    n = 0  # leading #include / using lines stay at file scope, before the template
    while n < len(lines) and (not lines[n].strip() or re.match(r"\s*(#include|using )", lines[n])):
        n += 1
    doc = os.path.join(SRC, block.doc)
    line_marker = lambda k: f'#line {k} "{doc}"'
    source = [line_marker(block.line + 1)] + lines[:n] + fill(block, lines[n:], block.line + 1 + n, line_marker)
    std = ["-x", "c++", "-std=c++20"] if lang == "cpp" else ["-x", "c", "-std=c11"]
    cmd = [CXX, *std, "-fsyntax-only", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
           "-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unused-parameter",
           "-I", os.path.join(SRC, "include"), "-"]
    r = run(cmd, input="\n".join(source) + "\n")
    if r.returncode != 0:
        fail(block, f"does not compile ({' '.join(cmd[:-1])}):\n{r.stderr.strip()}")


# --- JSON ---------------------------------------------------------------------------------

def parse_elided(text):
    """JSON where `…` stands for elided members or values: `{ … }` -> {"…": true},
    `, …}` -> `, "…": true}`, a `…` value -> "…"; an object with the "…" key is partial."""
    out, i, in_str = [], 0, False
    while i < len(text):
        c = text[i]
        if in_str:
            out.append(c)
            if c == "\\":
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            out.append(c)
        elif c == ELLIPSIS:
            prev = "".join(out).rstrip()[-1:]
            out.append('"\u2026": true' if prev in ("{", ",") and _in_object(out) else '"\u2026"')
        else:
            out.append(c)
        i += 1
    return json.loads("".join(out))


def _in_object(out):
    depth = []
    in_str, esc = False, False
    for c in "".join(out):
        if in_str:
            in_str = not (c == '"' and not esc)
            esc = c == "\\" and not esc
        elif c == '"':
            in_str = True
        elif c in "{[":
            depth.append(c)
        elif c in "}]":
            depth.pop()
    return bool(depth) and depth[-1] == "{"


def load_schema(spec):
    path, _, pointer = spec.partition("#")
    root = json.load(open(os.path.join(SRC, path), encoding="utf-8"))
    return root, resolve(root, "#" + pointer)


def resolve(root, ref):
    node = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if part:
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def is_type(value, name):
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, TYPES[name])


def validate(root, schema, value, path="$"):
    """The problems of value against schema (the subset the project's schemas use)."""
    if value == ELLIPSIS:
        return []
    if "$ref" in schema:
        return validate(root, resolve(root, schema["$ref"]), value, path)
    if value is None and schema.get("nullable"):
        return []
    problems = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(is_type(value, t) for t in types):
            return [f"{path}: {json.dumps(value, ensure_ascii=False)[:60]} is not {' or '.join(types)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} is not {schema['const']!r}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        problems.append(f"{path}: {value!r} does not match {schema['pattern']}")
    partial = isinstance(value, dict) and ELLIPSIS in value
    for key in ("oneOf", "anyOf"):
        if key in schema:
            ok = [s for s in schema[key] if not validate(root, s, value, path)]
            if not ok or (key == "oneOf" and len(ok) > 1 and not partial):
                problems.append(f"{path}: matches {len(ok)} of the {key} schemas")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        if not partial:
            problems += [f"{path}: no '{k}'" for k in schema.get("required", []) if k not in value]
        for k, v in value.items():
            if k == ELLIPSIS:
                continue
            if k in props:
                problems += validate(root, props[k], v, f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: unknown member '{k}'")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += validate(root, schema["additionalProperties"], v, f"{path}.{k}")
    if isinstance(value, list) and "items" in schema:
        for n, v in enumerate(value):
            problems += validate(root, schema["items"], v, f"{path}[{n}]")
    return problems


def check_json_text(block, text):
    try:
        value = parse_elided("{" + text + "}" if block.options.get("member") else text)
    except json.JSONDecodeError as e:
        return fail(block, f"not JSON: {e}")
    if block.options.get("member"):
        value = next(iter(value.values()))
    if "schema" in block.options:
        root, schema = load_schema(block.options["schema"])
        for p in validate(root, schema, value):
            fail(block, f"against {block.options['schema']}: {p}")


def check_json(block):
    check_json_text(block, block.text)


def check_jsonl(block):
    for line in block.text.split("\n"):
        check_json_text(block, line)


def check_sse(block):
    for line in block.text.split("\n"):
        if not line or line.startswith(":"):
            continue
        field, sep, value = line.partition(": ")
        if not sep or field not in ("id", "event", "data", "retry"):
            fail(block, f"not a Server-Sent Events line: {line!r}")
        elif field == "data":
            check_json_text(block, value)
        elif field in ("id", "retry") and not value.isdigit():
            fail(block, f"{field} is not a number: {line!r}")


# --- TOML config --------------------------------------------------------------------------

def check_toml_config(block):
    text = "\n".join(fill(block, block.text.split("\n"), block.line + 1))
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return fail(block, f"not TOML: {e}")
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, block.options.get("file", "config.toml"))
        with open(path, "w", encoding="utf-8") as f:
            f.write(text + "\n")
        r = run([BIN, "check-config", path], cwd=work)
        if r.returncode != 0:
            fail(block, f"conventiond check-config refuses it:\n{r.stdout}{r.stderr}")


# --- shell ----------------------------------------------------------------------------------

def help_of(words):
    r = run([BIN, *words, "--help"])
    return r.stdout + r.stderr if r.returncode == 0 else ""


HELP = None
OPENAPI = json.load(open(os.path.join(SRC, "docs/openapi.json"), encoding="utf-8"))
PRESETS = {p["name"] for p in json.load(open(os.path.join(SRC, "CMakePresets.json")))["configurePresets"]}


def check_names(block):
    global HELP
    HELP = HELP or run([BIN, "--help"]).stdout
    commands = re.findall(r"^  ([a-z-]+(?: [a-z]+)?)\b", HELP, re.M)
    text = re.sub(r"\\\n", " ", block.text)
    for line in text.split("\n"):
        line = line.split(" #", 1)[0]
        for m in re.finditer(r"(?:^\s*|[;&|(]\s*|sudo\s+)conventiond ((?:[a-z][a-z-]* ?){1,2})([^;&|)]*)", line):
            words = m.group(1).split()
            cmd = " ".join(words) if " ".join(words) in commands else words[0]
            if cmd not in commands:
                fail(block, f"no command 'conventiond {m.group(1).strip()}' in conventiond --help")
                continue
            usage = help_of(cmd.split()) + HELP
            for opt in re.findall(r"(?<!\S)(--[a-z-]+)", m.group(2)):
                if not re.search(re.escape(opt) + r"\b", usage):
                    fail(block, f"'conventiond {cmd}' has no option {opt}")
        for m in re.finditer(r"(/v1/[^\s'\"?]*|/healthz|/readyz|/metrics)(\?[^\s'\"]*)?", line):
            check_route(block, m.group(1), m.group(2))
        for preset in re.findall(r"--preset[ =](\S+)", line):
            if preset not in PRESETS:
                fail(block, f"no preset '{preset}' in CMakePresets.json")
        for script in re.findall(r"(?<![\w/.])(scripts/[\w.-]+|tests/[\w./-]+\.sh)", line):
            if not os.path.exists(os.path.join(SRC, script)):
                fail(block, f"no file {script}")


def check_route(block, path, query):
    for route, item in OPENAPI["paths"].items():
        if re.fullmatch(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(route)), path):
            break
    else:
        return fail(block, f"no route {path} in docs/openapi.json")
    params = {p["name"] for op in item.values() if isinstance(op, dict) for p in op.get("parameters", [])}
    for name in re.findall(r"[?&]([^=&]+)", query or ""):
        if name not in params:
            fail(block, f"{path} has no query parameter '{name}' in docs/openapi.json")


def check_sh(block):
    r = run(["bash", "-n"], input=block.text)
    if r.returncode != 0:
        return fail(block, f"bash -n: {r.stderr.strip()}")
    check_names(block)
    if block.options.get("run"):
        script = "\n".join(fill(block, block.text.split("\n"), block.line + 1))
        with tempfile.TemporaryDirectory() as work:
            env = dict(os.environ, PATH=BUILD + os.pathsep + os.environ["PATH"], SRC=SRC, HOME=work)
            r = run(["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env)
            if r.returncode != 0:
                fail(block, f"failed when run (exit {r.returncode}):\n{script}\n{r.stdout}{r.stderr}")


def check_python(block):
    script = "\n".join(fill(block, block.text.split("\n"), block.line + 1))
    r = run([sys.executable, "-"], input=script, env=dict(os.environ, SRC=SRC))
    if r.returncode != 0:
        fail(block, f"failed when run:\n{r.stdout}{r.stderr}")


CHECKS = {"cpp": lambda b: check_compiled(b, "cpp"), "c": lambda b: check_compiled(b, "c"),
          "json": check_json, "jsonl": check_jsonl, "sse": check_sse,
          "toml-config": check_toml_config, "sh": check_sh, "python": check_python}


def main():
    docs = sorted(["README.md"] + ["docs/" + f for f in os.listdir(os.path.join(SRC, "docs")) if f.endswith(".md")])
    counts = {}
    for doc in docs:
        for block in blocks_of(doc):
            if block.kind == "snippet":
                kind = "snippet (tests/out_of_tree/doc_snippets.sh)"
            elif block.kind is None:
                fail(block, f"a ```{block.lang} block with no <!-- check: KIND --> marker just before it")
                continue
            elif block.kind not in CHECKS:
                fail(block, f"unknown check kind '{block.kind}' (one of {', '.join(CHECKS)})")
                continue
            else:
                kind = block.kind
                CHECKS[kind](block)
            counts[kind] = counts.get(kind, 0) + 1
    print("blocks checked:", ", ".join(f"{k} {n}" for k, n in sorted(counts.items())))
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
