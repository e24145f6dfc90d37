#!/usr/bin/env python3
"""Prove that each rule of tests/lint.py can fail.

Each case copies src/ and include/ to a temporary tree, plants one
violation, runs the lint on the copy and checks that it fails and names
the planted rule at the planted file. The first case checks that the
untouched copy passes. Ends with "N passed, N failed"; exits 1 on a
failure. Usage: python3 tests/lint_test.py
"""
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
LINT = os.path.join(HERE, "lint.py")


def append(path, text):
    def plant(root):
        with open(os.path.join(root, path), "a", encoding="utf-8") as f:
            f.write(text)
    return plant


def after_includes(path, text):
    """Insert text after the last #include line of path."""
    def plant(root):
        p = os.path.join(root, path)
        with open(p, encoding="utf-8") as f:
            lines = f.read().split("\n")
        last = max(i for i, l in enumerate(lines) if l.startswith("#include"))
        lines.insert(last + 1, text)
        with open(p, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return plant


def replace_head_comment(path):
    def plant(root):
        p = os.path.join(root, path)
        with open(p, encoding="utf-8") as f:
            text = f.read()
        with open(p, "w", encoding="utf-8") as f:
            f.write(re.sub(r"^\s*/\*.*?\*/\s*", "", text, count=1, flags=re.S))
    return plant


LONG_FUNC = "\nint\nchannel_long(int x)\n{\n" + \
    "".join("\tx += %d;\n" % i for i in range(58)) + "\treturn x;\n}\n"

# (name, plant, rule, file the report must name)
CASES = [
    ("io: socket header in the core",
     after_includes("src/channel.c", "#include <sys/socket.h>"),
     "io", "src/channel.c"),
    ("io: poll header in the core",
     after_includes("src/reply.c", "#include <poll.h>"),
     "io", "src/reply.c"),
    ("io: write() in the core",
     append("src/hmap.c", "\nint\nhmap_planted(void)\n{\n"
            "\treturn (int)write(1, \"x\", 1);\n}\n"),
     "io", "src/hmap.c"),
    ("io: fopen() in the core",
     append("src/whowas.c", "\nvoid *\nwhowas_planted(void)\n{\n"
            "\treturn fopen(\"/etc/motd\", \"r\");\n}\n"),
     "io", "src/whowas.c"),
    ("io: recv() in the core",
     append("src/buf.c", "\nlong\nbuf_planted(int fd, char *p)\n{\n"
            "\treturn recv(fd, p, 1, 0);\n}\n"),
     "io", "src/buf.c"),
    ("upward: server.c calls a handler",
     append("src/server.c", "\nvoid\nserver_planted(struct server *srv, "
            "struct client *cli, const struct msg *m)\n{\n"
            "\tcmd_join(srv, cli, m);\n}\n"),
     "upward", "src/server.c"),
    ("upward: client.c includes cmd.h",
     after_includes("src/client.c", "#include \"cmd.h\""),
     "upward", "src/client.c"),
    ("prefix: a channel_ function outside channel.c",
     append("src/client.c", "\nint\nchannel_planted(void)\n{\n"
            "\treturn 0;\n}\n"),
     "prefix", "src/client.c"),
    ("global: writable file-scope object",
     after_includes("src/hmap.c", "int hmap_planted_count;"),
     "global", "src/hmap.c"),
    ("global: static local",
     append("src/mask.c", "\nint\nmask_planted(void)\n{\n"
            "\tstatic int calls;\n\n\treturn ++calls;\n}\n"),
     "global", "src/mask.c"),
    ("global: array of writable pointers",
     after_includes("src/casemap.c",
                    "static const char *planted_names[] = { \"a\", \"b\" };"),
     "global", "src/casemap.c"),
    ("global: sig_atomic_t outside main.c",
     after_includes("src/server.c",
                    "static volatile sig_atomic_t planted_flag;"),
     "global", "src/server.c"),
    ("filesize: a file of 801 lines",
     append("src/limit.c", "\n" * 801),
     "filesize", "src/limit.c"),
    ("funcsize: a function of 61 lines",
     append("src/channel.c", LONG_FUNC),
     "funcsize", "src/channel.c"),
    ("header: no contract comment",
     replace_head_comment("include/buf.h"),
     "header", "include/buf.h"),
]


def copy_tree(dst):
    for d in ("src", "include"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dst, d))


def run_lint(root):
    p = subprocess.run([sys.executable, LINT, root], capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def main():
    passed = failed = 0

    def result(ok, name, detail=""):
        nonlocal passed, failed
        print("%s %s%s" % ("ok  " if ok else "FAIL", name,
                            "" if ok else "\n" + detail))
        if ok:
            passed += 1
        else:
            failed += 1

    def planted(tmp, i, plant):
        root = os.path.join(tmp, "case%d" % i)
        copy_tree(root)
        plant(root)
        return run_lint(root)

    with tempfile.TemporaryDirectory(prefix="ircserv-lint-") as tmp:
        clean = os.path.join(tmp, "clean")
        copy_tree(clean)
        rc, out = run_lint(clean)
        result(rc == 0, "the tree as it is passes", out)
        # One lint per core at a time, each on its own copy; reported in order.
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            runs = [pool.submit(planted, tmp, i, case[1])
                    for i, case in enumerate(CASES)]
            for (name, _, rule, path), run in zip(CASES, runs):
                rc, out = run.result()
                want = "%s:" % path
                hit = any(line.startswith(want) and (": %s: " % rule) in line
                          for line in out.splitlines())
                result(rc == 1 and hit, name, out)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
