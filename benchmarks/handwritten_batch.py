"""The hand-written batch loop the batch benchmark is a ratio to: read JSONL, decide each row
with the hand-written baseline (`baseline.decide`), write one JSON line per row with the row's id.

    .venv/bin/python benchmarks/handwritten_batch.py IN.jsonl OUT.jsonl

Only the Nanning scenarios of benchmarks/scenarios.py are in its domain. It is what a programmer
would write in a few minutes with the standard library, no validation and no error records: the
fastest honest reference for "JSONL in, decisions out" in one Python process. Like
`policyrun evaluate --batch`, it writes to a temporary file and renames it into place.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baseline import decide  # noqa: E402


def main(source: str, target: str) -> int:
    tmp = target + ".part"
    rows = 0
    with open(source, "rb") as inp, open(tmp, "w", encoding="utf-8") as out:
        for line in inp:
            if not line.strip():
                continue
            s = json.loads(line)
            row_id = s.pop("id", None)
            out.write(json.dumps({"id": row_id, **decide(s)}, ensure_ascii=False))
            out.write("\n")
            rows += 1
    os.replace(tmp, target)
    print(f"{rows} rows -> {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
