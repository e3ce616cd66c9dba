"""Start-up cost, each figure from a cold process (a new interpreter per sample):

- `import responsible_ai`, against the bare interpreter's own start-up measured in the
  same run (`python -c pass`);
- `Guard(load_policy("examples/policy.toml"))` on top of the import.

    python benchmarks/startup.py [--runs 10]

Goal (issue 14): the import <= 300 ms and the Guard <= 100 ms more, median of 10, in a
venv with the `dev` extra (so every optional dependency that could be pulled in is there).

The children may write and read bytecode caches (``PYTHONDONTWRITEBYTECODE`` is
dropped from their environment, and one warm-up run writes them), as an install from a
wheel has them: pip compiles every module when it installs. Without them each start
compiles the package's sources again (about 150 ms more here).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# what each child prints: milliseconds of the import, then of the Guard on top of it
CHILD = """
import time
t0 = time.perf_counter()
import responsible_ai as rai
t1 = time.perf_counter()
policy = rai.load_policy({policy!r})
if {names_off!r}:  # the same policy with the name detector off: what loading it costs
    from responsible_ai._entities import BUILTIN_ENTITIES
    pii = policy.pii.model_copy(update={{"entities": list(BUILTIN_ENTITIES)}})
    policy = policy.model_copy(update={{"pii": pii}})
guard = rai.Guard(policy)
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample(code: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=ENV
    )
    return [float(x) for x in out.stdout.split()]


def wall(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=ENV)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    code = CHILD.format(policy=str(ROOT / "examples" / "policy.toml"), names_off=False)
    off = CHILD.format(policy=str(ROOT / "examples" / "policy.toml"), names_off=True)
    imports: list[float] = []
    guards: list[float] = []
    guards_off: list[float] = []
    bare: list[float] = []
    sample(code)  # writes the bytecode caches
    for _ in range(args.runs):  # interleaved: the bare interpreter and the library alike
        bare.append(wall("pass"))
        i, g = sample(code)
        imports.append(i)
        guards.append(g)
        guards_off.append(sample(off)[1])
    med_i, med_g = statistics.median(imports), statistics.median(guards)
    print(f"cold processes, median of {args.runs} ({sys.executable})\n")
    print(f"bare interpreter start-up (python -c pass, wall):  {statistics.median(bare):7.1f} ms")
    print(f"import responsible_ai:                             {med_i:7.1f} ms")
    print(f"Guard(load_policy('examples/policy.toml')) more:   {med_g:7.1f} ms")
    names = med_g - statistics.median(guards_off)
    print(f"  of which the name detector's word lists (issue 15):  {names:7.1f} ms")
    print(
        f"\nimport {'meets' if med_i <= 300 else 'MISSES'} the <= 300 ms goal; "
        f"Guard {'meets' if med_g <= 100 else 'MISSES'} the <= 100 ms goal"
    )


if __name__ == "__main__":
    main()
