#!/usr/bin/env python3
"""Check the architecture rules of docs/architecture.md mechanically.

Usage: python3 tests/lint.py [ROOT]   (ROOT: the source tree, default .)

Rules (each violation is one line "file:line: rule: what"):
  io        only the shell touches sockets, the wait or files: no socket,
            poll, epoll or file header, and no read/write/send/recv/open/
            fopen/... call, outside SHELL_FILES and src/*_file.c
  upward    the core never includes cmd.h nor names a function that a
            handler file (src/cmd_*.c) defines; only command.c (the table)
            and cmd_*.c do
  prefix    a function named <module>_... where src/<module>.c exists is
            defined in <module>.c or <module>_*.c
  global    no writable object with static storage (file scope or static
            local) except a volatile sig_atomic_t signal flag in a main.c
  filesize  no file in src/ over MAX_FILE_LINES lines
  funcsize  no function over MAX_FUNC_LINES lines, braces included
  header    every header in include/ opens with a contract comment

Python standard library only; C is read as text with comments, strings
and preprocessor lines blanked, which the project's style makes enough.
Exits 1 when anything is found, and ends with "N passed, N failed" over
the rules.
"""
import os
import re
import sys

MAX_FILE_LINES = 800
MAX_FUNC_LINES = 60

# The shell: sockets, the readiness wait, files (the history journal is
# histfile.c), the log sink, the PROXY header parser that conn.c
# feeds with socket addresses, and the hot upgrade's processes and exec
# (upgrade.c). A module
# whose only job is file I/O for the core is named src/<name>_file.c.
SHELL_FILES = {"main.c", "conn.c", "conn_wait.c", "loop.c", "loop_poll.c", "loop_epoll.c",
               "log.c", "proxy.c", "histfile.c", "upgrade.c"}
# Handler dispatch: the table names every handler.
DISPATCH_FILES = {"command.c"}

IO_HEADERS = {"sys/socket.h", "netinet/in.h", "netinet/tcp.h", "arpa/inet.h",
              "netdb.h", "sys/un.h", "poll.h", "sys/epoll.h", "sys/select.h",
              "sys/event.h", "unistd.h", "fcntl.h", "sys/stat.h", "dirent.h",
              "sys/uio.h", "sys/sendfile.h", "sys/mman.h"}
IO_CALLS = {"read", "write", "readv", "writev", "pread", "pwrite", "send",
            "recv", "sendto", "recvfrom", "sendmsg", "recvmsg", "socket",
            "accept", "accept4", "connect", "bind", "listen", "shutdown",
            "setsockopt", "getsockopt", "poll", "ppoll", "select", "epoll_wait",
            "epoll_ctl", "epoll_create", "epoll_create1", "open", "openat",
            "creat", "close", "fopen", "fdopen", "freopen", "fclose", "fread",
            "fwrite", "fgets", "fputs", "fputc", "fgetc", "getc", "putc",
            "fprintf", "vfprintf", "printf", "vprintf", "puts", "getline",
            "fflush", "fsync", "unlink", "rename", "mkdir", "rmdir", "opendir",
            "readdir", "stat", "fstat", "lstat", "dup", "dup2", "pipe",
            "pipe2", "ftruncate", "truncate", "mmap", "sendfile"}

C_KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do",
              "else", "case", "goto", "break", "continue", "default"}


def blank(text):
    """Comments, string and char literals, preprocessor lines -> spaces
    (newlines kept, so line numbers hold)."""
    out = []
    i, n = 0, len(text)
    bol = True
    while i < n:
        c = text[i]
        if bol and c == "#" or (bol and c in " \t" and
                                text[i:].lstrip(" \t").startswith("#")):
            j = i
            while j < n:
                if text[j] == "\n" and text[j - 1] != "\\":
                    break
                j += 1
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
            bol = False
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c)
            i = j
            bol = False
            continue
        out.append(c)
        bol = c == "\n"
        i += 1
    return "".join(out)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def top_level(code):
    """Yield (kind, start, end, head) for each top-level item of blanked
    code: kind "func" (head: text before the body's '{'), or "decl"."""
    depth = 0
    start = 0
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "{":
            if depth == 0:
                head = code[start:i]
                if re.search(r"\)\s*$", head) and "=" not in head:
                    j = match_brace(code, i)
                    yield "func", i, j, head
                    i = j + 1
                    start = i
                    continue
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == ";" and depth == 0:
            yield "decl", start, i, code[start:i]
            start = i + 1
        i += 1


def match_brace(code, i):
    depth = 0
    for j in range(i, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def func_name(head):
    m = re.search(r"([A-Za-z_]\w*)\s*\((?:[^()]|\([^()]*\))*\)\s*$", head)
    return m.group(1) if m else None


def object_is_writable(decl):
    """decl: one declaration without its initializer. True when the object
    it declares can be written: const must qualify the object itself."""
    d = re.sub(r"\s+", " ", decl).strip()
    if re.match(r"(typedef|extern)\b", d):
        return False
    # An inline struct type: what matters is what follows its braces.
    m = re.match(r"((?:static |const |volatile )*)(struct|union|enum)"
                 r"( \w+)? ?\{", d)
    if m:
        rest = d[match_brace(d, m.end() - 1) + 1:].strip()
        if not rest:
            return False    # a type, no object
        d = m.group(1) + "struct T " + rest
    if "(" in d:            # function prototype or function pointer type
        m = re.search(r"\(\s*\*\s*(const\b)?", d)
        return bool(m) and not m.group(1)
    if re.match(r"(static )?(struct|union|enum) \w+ ?(\{.*\})?$", d):
        return False        # a type, no object
    if "*" in d:
        return not re.search(r"\*\s*const\b[^*]*$", d)
    return not re.search(r"\bconst\b", d)


def strip_init(decl):
    """Drop the initializer, keeping the declarator."""
    depth = 0
    for k, c in enumerate(decl):
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif c == "=" and depth == 0:
            return decl[:k]
    return decl


class Lint:
    def __init__(self, root):
        self.root = root
        self.found = {}     # rule -> list of messages
        self.src = {}       # relative path -> (raw, blanked)
        for d in ("src", "src/bot"):
            p = os.path.join(root, d)
            if not os.path.isdir(p):
                continue
            for f in sorted(os.listdir(p)):
                if f.endswith(".c"):
                    rel = os.path.join(d, f)
                    with open(os.path.join(root, rel), encoding="utf-8",
                              errors="replace") as fh:
                        raw = fh.read()
                    self.src[rel] = (raw, blank(raw))

    def report(self, rule, path, line, what):
        self.found.setdefault(rule, []).append(
            "%s:%d: %s: %s" % (path, line, rule, what))

    @staticmethod
    def server_file(rel):
        return rel.startswith("src/") and rel.count("/") == 1

    @staticmethod
    def is_shell(rel):
        base = os.path.basename(rel)
        return base in SHELL_FILES or base.endswith("_file.c")

    def check_io(self):
        for rel, (raw, code) in self.src.items():
            if not self.server_file(rel) or self.is_shell(rel):
                continue
            for m in re.finditer(r'^\s*#\s*include\s*<([^>]+)>', raw, re.M):
                if m.group(1) in IO_HEADERS:
                    self.report("io", rel, line_of(raw, m.start()),
                                "core file includes <%s>" % m.group(1))
            for m in re.finditer(r"(?<![\w.>])(\w+)\s*\(", code):
                if m.group(1) in IO_CALLS:
                    self.report("io", rel, line_of(code, m.start()),
                                "core file calls %s()" % m.group(1))

    def definitions(self):
        """{name: (file, line)} of every non-static function definition."""
        defs = {}
        for rel, (raw, code) in self.src.items():
            for kind, start, end, head in top_level(code):
                if kind != "func":
                    continue
                name = func_name(head)
                if name and not re.search(r"\bstatic\b", head):
                    defs.setdefault(name, []).append(
                        (rel, line_of(code, start)))
        return defs

    def check_upward(self, defs):
        handler_funcs = {name for name, where in defs.items()
                         if any(os.path.basename(f).startswith("cmd_")
                                for f, _ in where)}
        pattern = re.compile(r"\b(%s)\b" % "|".join(sorted(handler_funcs))) \
            if handler_funcs else None
        for rel, (raw, code) in self.src.items():
            base = os.path.basename(rel)
            if (not self.server_file(rel) or base.startswith("cmd_") or
                    base in DISPATCH_FILES):
                continue
            for m in re.finditer(r'^\s*#\s*include\s*"cmd\.h"', raw, re.M):
                self.report("upward", rel, line_of(raw, m.start()),
                            "core file includes cmd.h (the handlers)")
            if pattern is None:
                continue
            for m in pattern.finditer(code):
                self.report("upward", rel, line_of(code, m.start()),
                            "core file uses %s() of a handler file" %
                            m.group(1))

    def check_prefix(self, defs):
        modules = {os.path.basename(r)[:-2] for r in self.src
                   if self.server_file(r)}
        for name, where in defs.items():
            for rel, line in where:
                if not self.server_file(rel):
                    continue
                base = os.path.basename(rel)[:-2]
                parts = name.split("_")
                # The longest prefix that names a module: loop_poll_x -> loop_poll.
                owner = None
                for k in range(len(parts) - 1, 0, -1):
                    if "_".join(parts[:k]) in modules:
                        owner = "_".join(parts[:k])
                        break
                if owner is None or base == owner or \
                        base.startswith(owner + "_"):
                    continue
                self.report("prefix", rel, line,
                            "%s() is named after %s.c but defined here" %
                            (name, owner))

    def check_globals(self):
        for rel, (raw, code) in self.src.items():
            main = os.path.basename(rel) == "main.c"
            for kind, start, end, head in top_level(code):
                if kind == "func":
                    body = code[start:end]
                    for m in re.finditer(r"\bstatic\b[^;]*;", body):
                        self.check_object(rel, code, start + m.start(),
                                          m.group(0)[:-1], main)
                    continue
                text = head.strip()
                if not text:
                    continue
                self.check_object(rel, code, start + len(head) -
                                  len(head.lstrip()), text, main)

    def check_object(self, rel, code, pos, decl, main):
        decl = strip_init(decl)
        if not object_is_writable(decl):
            return
        if main and re.search(r"\bvolatile\s+sig_atomic_t\b", decl):
            return
        name = re.findall(r"(\w+)\s*(?:\[[^\]]*\]\s*)*$", decl.strip())
        self.report("global", rel, line_of(code, pos),
                    "writable object with static storage: %s" %
                    (name[0] if name else decl.strip()[:40]))

    def check_sizes(self):
        for rel, (raw, code) in self.src.items():
            n = raw.count("\n")
            if n > MAX_FILE_LINES:
                self.report("filesize", rel, n, "%d lines (at most %d)" %
                            (n, MAX_FILE_LINES))
            for kind, start, end, head in top_level(code):
                if kind != "func":
                    continue
                first, last = line_of(code, start), line_of(code, end)
                if last - first + 1 > MAX_FUNC_LINES:
                    self.report("funcsize", rel, first,
                                "%s() has %d lines (at most %d)" %
                                (func_name(head), last - first + 1,
                                 MAX_FUNC_LINES))

    def check_headers(self):
        for d in ("include", "include/bot"):
            p = os.path.join(self.root, d)
            if not os.path.isdir(p):
                continue
            for f in sorted(os.listdir(p)):
                if not f.endswith(".h"):
                    continue
                rel = os.path.join(d, f)
                with open(os.path.join(self.root, rel), encoding="utf-8",
                          errors="replace") as fh:
                    text = fh.read()
                m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
                if m is None or len(re.sub(r"[\s*]", "", m.group(1))) < 20:
                    self.report("header", rel, 1,
                                "does not open with a comment stating its "
                                "contract")

    def run(self):
        defs = self.definitions()
        self.check_io()
        self.check_upward(defs)
        self.check_prefix(defs)
        self.check_globals()
        self.check_sizes()
        self.check_headers()


RULES = ("io", "upward", "prefix", "global", "filesize", "funcsize", "header")


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    lint = Lint(root)
    lint.run()
    failed = 0
    for rule in RULES:
        for msg in lint.found.get(rule, []):
            print(msg)
        failed += rule in lint.found
    print("lint: %d files, %d rules" % (len(lint.src), len(RULES)))
    print("%d passed, %d failed" % (len(RULES) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
