// Typeset names of fields and series for axis labels, colour bars and heat maps (markup of text.ts), following the
// papers' symbols: D²_min (Jha & Sengupta Eq. 4), ‖e‖ and ε_vol (Eqs. 6-8), det H, k (Zhang et al.), S (softness).

const FIELD_LABELS: Record<string, string> = {
  d2min: '\\it{D}^{2}_{min}',
  d2min_sum: '\\it{D}^{2}_{min} (sum)',
  na: '|\\it{d}_{NA}|',
  e_norm: '‖\\bf{e}‖',
  eps_norm: '‖\\it{ε}‖',
  eps_vol: '\\it{ε}_{vol}',
  eps_vol_abs: '|\\it{ε}_{vol}|',
  det_h: 'det \\bf{H}',
  k: '\\it{k}',
  dev_total: '\\it{ε}_{dev}',
  eps_xy: '\\it{ε}_{xy}',
  displacement: '|Δ\\bf{r}|',
  mobility: '\\it{μ}',
  softness: '\\it{S}',
  is_displacement: '|Δ\\bf{r}_{IS}|',
};

const SERIES_LABELS: Record<string, string> = {
  msd: 'MSD',
  msd_com: 'MSD (centre of mass removed)',
  energy: '\\it{U}/\\it{N}',
  stress_xx: '\\it{σ}_{xx}',
  stress_yy: '\\it{σ}_{yy}',
  stress_xy: '\\it{σ}_{xy}',
  stress_vol: '\\it{σ}_{vol}',
  stress_norm: '‖\\it{σ}‖',
};

/** The typeset label of a per-particle field (unknown names are shown as written, underscores escaped). */
export function fieldLabel(name: string): string {
  return FIELD_LABELS[name] ?? name.replace(/[_^\\{}]/g, (c) => `\\${c}`);
}

/** The typeset label of a per-frame series. */
export function seriesLabel(name: string): string {
  return SERIES_LABELS[name] ?? name.replace(/[_^\\{}]/g, (c) => `\\${c}`);
}

/** Panel letters (a), (b), ... */
export function panelLetter(i: number): string {
  return `(${String.fromCharCode(97 + (i % 26))})`;
}
