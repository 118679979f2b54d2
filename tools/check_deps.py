#!/usr/bin/python3
"""Checks that tools/install_deps.sh installs everything the build found.

Every file the configured build located must belong to a Debian package that
install_deps.sh names, or to a hard dependency (Depends / Pre-Depends, never
Recommends) of one that it names. The files come from four places:

  - a fresh `cmake --debug-find` configure: every file a find_path,
    find_library, find_file, find_program or find_package call located
    (the headers a find module looked for, not just their folders);
  - the build's CMakeCache.txt: its *_DIR, *_LIBRARY*, *_INCLUDE_DIR and
    *_EXECUTABLE entries;
  - the compilers' dependency files (*.o.d): every header outside the tree;
  - the link lines (link.txt): every library given by absolute path.

Usage: tools/check_deps.py [--build DIR] [--install-script FILE]; the scratch configure
repeats DIR's compiler, build type and MINNOW_* options, so each build folder (the
Release build, the sanitizer build, the clang fuzz build) is checked as it was made.
Exits 1, with one line per unexplained file, when a file's package is missing.
"""
import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent


def listed_packages(script):
    """The names inside the `packages=( ... )` array of install_deps.sh."""
    text = script.read_text()
    match = re.search(r"^packages=\((.*?)^\)", text, re.S | re.M)
    if not match:
        sys.exit(f"check_deps: {script}: expected a 'packages=(' ... ')' array, found none")
    names = []
    for line in match.group(1).splitlines():
        names += line.split("#", 1)[0].split()
    return names


# The cache entries that decide what a configure looks for (the compiler, the build
# type, the optional parts); the scratch configure repeats them.
CONFIGURE_KEYS = ("CMAKE_BUILD_TYPE", "CMAKE_CXX_COMPILER", "MINNOW_BUILD_TESTS", "MINNOW_BUILD_BENCH",
                  "MINNOW_BUILD_PYTHON", "MINNOW_SANITIZE", "MINNOW_FUZZ")


def configure_args(build):
    """-D arguments that configure the way build was configured (Release when it was not)."""
    cache = build / "CMakeCache.txt"
    values = {"CMAKE_BUILD_TYPE": "Release"}
    if cache.exists():
        for line in cache.read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in CONFIGURE_KEYS and "=" in rest:
                values[key] = rest.split("=", 1)[1]
    return [f"-D{key}={value}" for key, value in values.items() if value]


def found_by_debug_find(args):
    """Files located by find_* calls, from a scratch configure with --debug-find."""
    with tempfile.TemporaryDirectory(prefix="check_deps.") as scratch:
        run = subprocess.run(["cmake", "-S", str(ROOT), "-B", scratch, *args, "--debug-find"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            tail = (run.stdout + run.stderr).strip().splitlines()[-15:]
            sys.exit("check_deps: the scratch configure failed:\n" + "\n".join(tail))
        log = run.stdout + run.stderr
    found = {}
    # Each block: "CMake Debug Log at FILE:LINE (find_xxx):" ... "VAR: NAME" ...
    # "The item was found at" / "The file was found at", a blank line, the path.
    for block in re.split(r"^CMake Debug Log at ", log, flags=re.M)[1:]:
        call = re.match(r"(\S+) \((\w+)\):", block)
        var = re.search(r"^\s+VAR: (\S+)", block, re.M)
        hit = re.search(r"The (?:item|file) was found at\s*\n\s*\n\s+(\S.*)", block)
        if call and hit:
            what = var.group(1) if var else call.group(2)
            found.setdefault(hit.group(1).strip(), f"{call.group(2)} {what} ({call.group(1)})")
    return found


def found_in_cache(build):
    cache = build / "CMakeCache.txt"
    found = {}
    if not cache.exists():
        return found
    names = r"[A-Za-z0-9_.+-]+?(?:_DIR|_LIBRARY\w*|_INCLUDE_DIR|_EXECUTABLE)"
    pattern = re.compile(rf"^({names}):(?:PATH|FILEPATH|INTERNAL)=(.*)$")
    for line in cache.read_text().splitlines():
        match = pattern.match(line)
        if match and match.group(2) and "NOTFOUND" not in match.group(2):
            found.setdefault(match.group(2), f"CMakeCache.txt {match.group(1)}")
    return found


def found_in_depfiles(build):
    found = {}
    for depfile in build.rglob("*.o.d"):
        for token in depfile.read_text(errors="replace").replace("\\\n", " ").split():
            if token.startswith("/") and not token.endswith(":"):
                found.setdefault(token, f"a header of {depfile.relative_to(build)}")
    return found


def found_in_link_lines(build):
    found = {}
    for link in build.rglob("link.txt"):
        for token in link.read_text().split():
            if token.startswith("/") and re.search(r"\.(so(\.[0-9.]+)?|a)$", token):
                found.setdefault(token, f"linked by {link.parent.relative_to(build)}")
    return found


def inside(path, folder):
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def spellings(path):
    """path as given, resolved, and under its /usr-merged twin: dpkg knows one of them."""
    names = [str(path), str(path.resolve())]
    names += [n[4:] if n.startswith("/usr/") else "/usr" + n for n in list(names)]
    return list(dict.fromkeys(names))


def owners(paths):
    """{path: the Debian package that ships it}, for the paths dpkg knows, in one dpkg-query call."""
    queries = sorted({name for path in paths for name in spellings(path)})
    run = subprocess.run(["dpkg-query", "-S", *queries], capture_output=True, text=True)
    shipped_by = {}
    for line in run.stdout.splitlines():
        packages, _, shipped = line.rpartition(": ")
        if packages and not packages.startswith("diversion by"):
            shipped_by[shipped.strip()] = packages.split(",")[0].split(":")[0].strip()
    result = {}
    for path in paths:
        for name in spellings(path):
            if name in shipped_by:
                result[path] = shipped_by[name]
                break
    return result


class PackageDb:
    """The installed packages' hard dependencies, virtual names and Essential flags, from dpkg."""

    def __init__(self):
        fields = "${Package}\t${Depends}\t${Pre-Depends}\t${Provides}\t${db:Status-Abbrev}\t${Essential}\n"
        run = subprocess.run(["dpkg-query", "-W", "-f", fields], capture_output=True, text=True, check=True)
        self.depends, self.providers, self.essential = {}, {}, []
        for line in run.stdout.splitlines():
            name, depends, pre_depends, provides, status, essential = line.split("\t")
            if not status.startswith("ii"):
                continue
            self.depends[name] = ", ".join(x for x in (depends, pre_depends) if x)
            self.providers.setdefault(name, set()).add(name)
            for virtual in filter(None, (p.split("(")[0].strip() for p in provides.split(","))):
                self.providers.setdefault(virtual, set()).add(name)
            if essential == "yes":
                self.essential.append(name)

    def closure(self, roots):
        """roots, Debian's Essential packages (on every system), and every installed package
        reached from them through Depends and Pre-Depends; Recommends are not followed."""
        closure, todo = set(), list(roots) + self.essential
        while todo:
            name = todo.pop()
            if name in closure or name not in self.depends:
                continue
            closure.add(name)
            for group in filter(None, self.depends[name].split(",")):
                # "a | b": whichever alternative is installed satisfies it.
                for alternative in group.split("|"):
                    base = alternative.split("(")[0].split(":")[0].strip()
                    todo += sorted(self.providers.get(base, ()))
        return closure


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build"), help="configured build folder (default: build)")
    parser.add_argument("--install-script", default=str(ROOT / "tools/install_deps.sh"))
    args = parser.parse_args()
    build = pathlib.Path(args.build).resolve()
    script = pathlib.Path(args.install_script)

    listed = listed_packages(script)
    db = PackageDb()
    not_installed = [p for p in listed if p not in db.depends]
    if not_installed:
        sys.exit(f"check_deps: {script}: listed but not installed: {' '.join(not_installed)}; run it first")
    closure = db.closure(listed)

    found = {}
    for source in (found_by_debug_find(configure_args(build)), found_in_cache(build), found_in_depfiles(build),
                   found_in_link_lines(build)):
        for path, why in source.items():
            found.setdefault(path, why)

    files = {}
    for text, why in sorted(found.items()):
        path = pathlib.Path(text)
        if not path.is_absolute() or not path.exists():
            continue
        if inside(path.resolve(), ROOT) or inside(path.resolve(), build):
            continue
        if path.is_dir():
            # A package config folder (X_DIR): its X-config.cmake or XConfig.cmake says whose it is.
            configs = sorted(p for p in path.iterdir() if p.name.lower().endswith("config.cmake"))
            if not configs:
                continue
            path = configs[0]
        files.setdefault(path, why)

    shipped_by = owners(list(files))
    problems = []
    for path, why in files.items():
        package = shipped_by.get(path)
        if package is None:
            problems.append(f"{path} ({why}) belongs to no Debian package")
        elif package not in closure:
            problems.append(f"{path} ({why}) is in package {package}, which {script.name} neither names nor "
                            f"reaches through Depends")
    checked = len(files)
    for line in problems:
        print(f"check_deps: {script}: {line}")
    if problems:
        missing = sorted({line.split(" is in package ")[1].split(",")[0]
                          for line in problems if " is in package " in line})
        print(f"check_deps: FAILED: {len(problems)} of {checked} files; add to {script.name}: {' '.join(missing)}")
        return 1
    print(f"check_deps: ok: {checked} files from {len(set(shipped_by.values()))} packages, all named in {script.name} "
          f"({len(listed)} packages) or their hard dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
