// What the panes drew last: the frames and fields of the three panes (raw typed arrays, never deep-reactive),
// the shared colour range and map. Read by the colour bar, the histograms and the correlation view.
import { defineStore } from 'pinia';
import { computed, markRaw, shallowRef } from 'vue';
import { quantiles } from '#shared/colormaps.js';
import type { OutlineStatus, PanesStatus } from '../lib/panes-controller';
import { useTrajectory } from './trajectory';

export const usePanesStatus = defineStore('panes', () => {
  const status = shallowRef<PanesStatus | null>(null);
  /** The rearrangers outlined in the panes, or null when off. */
  const outlines = shallowRef<OutlineStatus | null>(null);
  // Another trajectory: nothing drawn of it yet (no histogram or colour bar of the last file).
  useTrajectory().onSwitch(() => {
    status.value = null;
    outlines.value = null;
  });

  function setOutlines(o: OutlineStatus | null): void {
    outlines.value = o;
  }

  function setStatus(s: PanesStatus): void {
    status.value = markRaw(s);
  }

  const loadingField = computed(() => status.value?.loadingField ?? false);
  const range = computed(() => status.value?.range ?? null);
  const colouring = computed(() => status.value?.colouring ?? null);
  const isVector = computed(() => status.value?.fields.some((f) => f !== null && f.components > 1) ?? false);
  const fieldError = computed(() => status.value?.fieldError ?? '');

  /** An arrow scale that draws the 99th-percentile vector of the current pane about two mean diameters long. */
  function autoArrowScale(): number {
    const s = status.value;
    const f = s?.fields[1] ?? s?.fields.find((x) => x) ?? null;
    const fr = s?.frames[1] ?? s?.frames.find((x) => x) ?? null;
    if (!f || !fr) return 1;
    const q = quantiles([f.scalar], [0.99]);
    let mean = 0;
    for (let i = 0; i < fr.n; i++) mean += fr.radii[i];
    mean = fr.n ? (2 * mean) / fr.n : 1;
    if (!q || !(q[0] > 0)) return 1;
    const k = (2 * mean) / q[0];
    return Number(k.toPrecision(2));
  }

  return { status, setStatus, outlines, setOutlines, loadingField, range, colouring, isVector, fieldError, autoArrowScale };
});
