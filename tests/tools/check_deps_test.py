"""tools/check_deps.py fails, naming the package, when install_deps.sh stops listing one
that the build needs: here libdnnl-dev and the OpenCL pair that libdnnl-dev only recommends.
Usage: check_deps_test.py SOURCE_DIR BUILD_DIR"""
import pathlib
import re
import subprocess
import sys
import tempfile

source, build = map(pathlib.Path, sys.argv[1:3])
script = (source / "tools/install_deps.sh").read_text()
removed = ["libdnnl-dev", "ocl-icd-opencl-dev", "opencl-c-headers"]
trimmed = script
for package in removed:
    trimmed, count = re.subn(rf"(?<=\s){re.escape(package)}(?=\s)", "", trimmed)
    if count != 1:
        sys.exit(f"FAIL: expected {package} once in install_deps.sh, found it {count} times")

with tempfile.TemporaryDirectory() as scratch:
    copy = pathlib.Path(scratch) / "install_deps.sh"
    copy.write_text(trimmed)
    run = subprocess.run([sys.executable, str(source / "tools/check_deps.py"), "--build", str(build),
                          "--install-script", str(copy)], capture_output=True, text=True)
output = run.stdout + run.stderr
print(output)
failures = []
if run.returncode != 1:
    failures.append(f"exit code {run.returncode}, expected 1")
summary = [line for line in output.splitlines() if line.startswith("check_deps: FAILED")]
if len(summary) != 1:
    failures.append("no 'check_deps: FAILED' summary line")
else:
    for package in removed:
        if package not in summary[0].split("add to install_deps.sh:")[-1].split():
            failures.append(f"the summary does not name {package}")
print("\n".join(f"FAIL: {f}" for f in failures) or "ok: the check names every removed package")
sys.exit(1 if failures else 0)
