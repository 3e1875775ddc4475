#!/usr/bin/env bash
# The example figures of the README (docs/figures), one per kind, made by the CLI from the shipped demo; the
# temperature family comes from three short runs simulated here. The beta_1 track is measured on the demo's inherent
# structures (resources/demo/demo.is.gsd, shipped; made here with avw minimize if it is missing). Sidecar paths are rewritten relative to
# docs/figures, so `npx avw figure --spec docs/figures/fields.json` rebuilds a figure on any clone.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docs/figures
DEMO=resources/demo/demo.gsd
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
avw() { node --import tsx src/cli/main.ts "$@" --index-dir "$WORK/index"; }

avw figure "$DEMO" --kind fields --frame 180 --before 178 --after 186 --field d2min --out "$OUT/fields.svg"
avw figure "$DEMO" --kind vectors --frame 180 --before 178 --after 186 --vector na --out "$OUT/vectors.svg"
avw figure "$DEMO" --kind grid --frame 180 --before 178 --after 186 --fields d2min,e_norm,eps_vol,det_h --out "$OUT/grid.svg"
avw figure "$DEMO" --kind timeline --frame 180 --series msd,energy,stress_xy --potential wca --marks 18,72,144,162,197 --out "$OUT/timeline.svg"
avw figure "$DEMO" --kind distribution --frame 180 --before 170 --after 190 --field d2min --log-y --out "$OUT/distribution.svg"
avw figure "$DEMO" --kind heatmap --frame 180 --fields d2min,e_norm,eps_vol,det_h,mobility --out "$OUT/heatmap.svg"
avw figure "$DEMO" --kind scatter --frame 180 --fields d2min,e_norm,eps_vol --preset aps-single --out "$OUT/scatter.svg"
avw figure "$DEMO" --kind fields --frame 180 --before 178 --after 186 --field d2min --preset aps-single --out "$OUT/fields-single.pdf"

# Jha & Sengupta Fig. 1a + 1f: MSD of the MD run over beta_1 of its paired inherent structures (alpha = 8.19), the
# clearest jump (frame 197) marked with the other detector candidates.
[ -f resources/demo/demo.is.gsd ] || avw minimize "$DEMO" --out resources/demo/demo.is.gsd --method fire --ftol 1e-10 --potential wca
avw figure "$DEMO" --kind timeline --frame 197 --series msd,betti1 --marks 18,72,144,162,180 --out "$OUT/betti1.svg"
# Fig. 1a + 1e + 1f: the vibrational indicator too, lambda_smallest (Eq. 6: mean of the 30 smallest positive Hessian
# eigenvalues) of the same inherent structures, beside beta_1.
avw figure "$DEMO" --kind timeline --frame 197 --series msd,lambda_min,betti1 --potential wca --marks 18,72,144,162,180 --out "$OUT/fig1aef.svg"
# Appendix C, Fig. 10: the particle-level g_i(r) (Eq. C1) for three widths against the histogram, two particles' own,
# r_min and r_max of the softness integral; ln(g + beta u) with T the frame's kinetic temperature.
avw figure "$DEMO" --kind local_gr --frame 180 --deltas 0.08,0.04,0.02 --particles 1,100 --out "$OUT/local_gr.svg"
avw figure "$DEMO" --kind ln_g_beta_u --frame 180 --out "$OUT/ln_g_beta_u.svg"

# A family over temperature (Jha & Sengupta Figs. 2h, 4): D2min between consecutive frames at three temperatures.
FAMILY=()
LABELS=()
for T in 0.20 0.25 0.30; do
  avw simulate thermal --n 256 --rho 0.9 --T "$T" --Tp 0.5 --equil 20000 --tw 5000 --every 2000 --frames 20 --seed 5 --out "$WORK/T$T.gsd" >/dev/null
  FAMILY+=("$WORK/T$T.gsd"); LABELS+=("T = $T")
done
avw figure "${FAMILY[0]}" --kind distribution --frame 10 --field d2min --log-y \
  --family "$(IFS=,; echo "${FAMILY[*]}")" --labels "$(IFS=,; echo "${LABELS[*]}")" --out "$OUT/family.svg"

# Sidecars name their inputs relative to docs/figures (the family's runs are temporary: their paths are kept as made).
node -e '
const fs = require("fs"), path = require("path");
for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
  const p = path.join(process.argv[1], f), s = JSON.parse(fs.readFileSync(p, "utf8"));
  if (typeof s.trajectory !== "string") continue; // a study or its figures (scripts/make-study-figures.sh)
  const rel = (x) => path.relative(process.argv[1], x);
  const local = (x) => (x.startsWith(process.cwd()) ? rel(x) : x);
  s.trajectory = local(s.trajectory);
  if (s.params?.is) s.params.is = local(s.params.is);
  for (const c of s.computed ?? []) c.path = local(c.path);
  for (const c of s.measured ?? []) c.path = local(c.path);
  s.output.path = path.basename(s.output.path); s.output.csv = path.basename(s.output.csv);
  delete s.indexDir;
  fs.writeFileSync(p, JSON.stringify(s, null, 2) + "\n");
}' "$OUT"
ls -la "$OUT"
