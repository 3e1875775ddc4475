#!/usr/bin/env bash
# The ensemble figures of the README (docs/figures/study-*), made by the CLI from the small study
# docs/figures/demo-study.json (5 temperatures x 3 replicas of N = 256, a few minutes on two cores): Jha & Sengupta
# Figs. 2h, 4 and 7a as distributions at the detected events pooled per temperature, the MSD per temperature, and
# F_s(q, t) with tau_alpha(T), the VFT fit and T_g. The runs are made in a copy of the study in .bench/demo-study/
# (kept: running the script again redoes no finished run); the sidecars name the study as docs/figures/demo-study.json,
# so after `npx avw study run docs/figures/demo-study.json` (runs in docs/figures/demo-study/, ignored by git)
# `npx avw figure --spec docs/figures/study-tau.json` rebuilds a figure.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docs/figures
WORK=${STUDY_WORK:-.bench/demo-study}
mkdir -p "$WORK"
avw() { node --import tsx src/cli/main.ts "$@"; }
STUDY="$WORK/demo-study.json"
cp "$OUT/demo-study.json" "$STUDY"

avw study run "$STUDY" --max-parallel "${JOBS:-2}"
avw study collect "$STUDY"
avw study tau "$STUDY"

avw figure --study "$STUDY" --kind distribution --field d2min --moment at --log-y --out "$OUT/study-fig2h.svg"
avw figure --study "$STUDY" --kind distribution --field e_norm --moment at --log-y --out "$OUT/study-fig4a.svg"
avw figure --study "$STUDY" --kind distribution --field eps_vol_abs --moment at --log-y --out "$OUT/study-fig4b.svg"
avw figure --study "$STUDY" --kind distribution --field det_h --moment at --log-y --out "$OUT/study-fig4c.svg"
avw figure --study "$STUDY" --kind distribution --field eps_norm --moment at --log-y --out "$OUT/study-fig4d.svg"
avw figure --study "$STUDY" --kind distribution --field softness --moment at --log-y --out "$OUT/study-fig7a.svg"
avw figure --study "$STUDY" --kind timeline --series msd --out "$OUT/study-msd.svg"
avw figure --study "$STUDY" --kind tau --out "$OUT/study-tau.svg"

# Sidecars name the study relative to docs/figures and their outputs by file name.
node -e '
const fs = require("fs"), path = require("path");
for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.startsWith("study-") && f.endsWith(".json"))) {
  const p = path.join(process.argv[1], f), s = JSON.parse(fs.readFileSync(p, "utf8"));
  s.study = "demo-study.json";
  s.output.path = path.basename(s.output.path); s.output.csv = path.basename(s.output.csv);
  fs.writeFileSync(p, JSON.stringify(s, null, 2) + "\n");
}' "$OUT"
ls -la "$OUT"/study-*
