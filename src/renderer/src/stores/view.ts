// What the panes show: the current frame and the before / after bracket, the field with its reference and parameters,
// the colour map and range, arrows, the selected particle, playback; and what the panes drew last.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { fieldInfo, type AnyFieldName, type FieldName, type FieldParamName, type ParamValue } from '#shared/fields.js';
import type { ColormapName } from '#shared/colormaps.js';
import { clampFrame, nextMarker, paneFramesAt, type BracketMode, type RefMode } from '../lib/navigation';
import { useTags } from './tags';
import { useTrajectory } from './trajectory';

/** The field shown: one of the registry's, a property of the file (file:NAME), or none. */
export type FieldChoice = 'none' | FieldName | `file:${string}`;
export type RangeMode = 'minmax' | 'quantile' | 'manual';

export const useView = defineStore('view', () => {
  const trajectory = useTrajectory();
  const tags = useTags();

  const frame = ref(0);
  const bracket = ref(1);
  const bracketMode = ref<BracketMode>('fixed');
  const playing = ref(false);

  const field = ref<FieldChoice>('displacement');
  const refMode = ref<RefMode>('previous');
  const fixedRef = ref(0);
  const lag = ref(1);
  const cutoff = ref<number | null>(null);
  const colormap = ref<ColormapName>('viridis');
  const rangeMode = ref<RangeMode>('quantile');
  const manualMin = ref(0);
  const manualMax = ref(1);
  const showArrows = ref(false);
  const arrowScale = ref(1);
  const logHistogram = ref(false);
  /** The softness model the ml_softness field uses (an absolute path, set by the Softness panel), or null. */
  const modelPath = ref<string | null>(null);
  /** Outline the rearrangers of the current frame (since the previous frame) in every pane. */
  const outlineRearrangers = ref(false);

  const selectedId = ref<number | null>(null);
  /** What the panes drew last (set by the panes). */
  const renderedFrame = ref<number | null>(null);

  const frames = computed(() => trajectory.info?.frames ?? 0);
  const panes = computed(() => paneFramesAt(frame.value, frames.value, bracket.value, bracketMode.value, tags.tags));
  const paneFrames = computed<(number | null)[]>(() => panes.value.frames);
  /** The panes show the current tag's own bracket (rather than f - d, f + d). */
  const eventBracketShown = computed(() => panes.value.event);
  /** The parameters of the field shown (those it takes). */
  const fieldParams = computed<Partial<Record<FieldParamName, ParamValue>>>(() => {
    if (field.value === 'none') return {};
    const takes = fieldInfo(field.value as AnyFieldName).params as readonly string[];
    const p: Partial<Record<FieldParamName, ParamValue>> = {};
    if (cutoff.value !== null && takes.includes('cutoff')) p.cutoff = cutoff.value;
    if (modelPath.value !== null && takes.includes('model')) p.model = modelPath.value;
    return p;
  });

  trajectory.onSwitch((t, startFrame) => {
    frame.value = clampFrame(startFrame, t.frames);
    selectedId.value = null;
    renderedFrame.value = null;
    playing.value = false;
  });

  function setFrame(f: number): void {
    if (!trajectory.info) return;
    frame.value = clampFrame(f, trajectory.info.frames);
  }

  function step(k: number): void {
    setFrame(frame.value + k);
  }

  function jump(dir: 1 | -1): boolean {
    const f = nextMarker(tags.markers, frame.value, dir);
    if (f === null) return false;
    setFrame(f);
    return true;
  }

  return {
    frame, bracket, bracketMode, playing, field, refMode, fixedRef, lag, cutoff, colormap, rangeMode, manualMin, manualMax, showArrows,
    arrowScale, logHistogram, modelPath, outlineRearrangers, selectedId, renderedFrame, frames, paneFrames, eventBracketShown, fieldParams, setFrame, step, jump,
  };
});
