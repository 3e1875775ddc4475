// The timeline: MSD (and the detector's candidates, run once per trajectory), a second series beside it with its own
// parameters, and the axes.
import { defineStore } from 'pinia';
import { markRaw, ref, shallowRef, watch } from 'vue';
import type { SeriesPayload } from '#shared/api.js';
import { SERIES, isSeriesName } from '#shared/fields.js';
import { api } from '../api/client';
import { useTags } from './tags';
import { errorText, useTrajectory } from './trajectory';

export const useTimeline = defineStore('timeline', () => {
  const trajectory = useTrajectory();
  const tags = useTags();
  const xAxis = ref<'frame' | 'time'>('frame');
  const logX = ref(false);
  const logY = ref(false);
  const secondSeries = ref('');
  const potential = ref<'' | 'wca' | 'hertz'>('');
  const temperature = ref<number | null>(null);
  const msd = shallowRef<SeriesPayload | null>(null);
  const msdError = ref('');
  const second = shallowRef<SeriesPayload | null>(null);
  const secondError = ref('');
  const seriesLoading = ref(false);
  const detecting = ref(false);
  /** The detector has run for the open trajectory (its candidates are among the tags). */
  const detected = ref(false);

  trajectory.onSwitch(() => {
    msd.value = null;
    msdError.value = '';
    second.value = null;
    secondError.value = '';
    detected.value = false;
    void load();
  });

  async function load(): Promise<void> {
    const t = trajectory.info;
    if (!t) return;
    seriesLoading.value = true;
    msdError.value = '';
    try {
      const [series] = await Promise.all([api.getSeries({ trajectoryId: t.id, name: 'msd' }), tags.loadTags()]);
      if (trajectory.info !== t) return;
      msd.value = markRaw(series);
    } catch (e) {
      if (trajectory.info === t) msdError.value = errorText(e);
    } finally {
      seriesLoading.value = false;
    }
    if (trajectory.info === t && !tags.tags.some((x) => x.source === 'detector')) await detect();
    if (trajectory.info === t) detected.value = true;
    void loadSecond();
  }

  /** Whether the chosen second series takes a parameter (the potential of energy and stress, the stress's temperature). */
  function secondTakes(param: 'potential' | 'temperature'): boolean {
    const name = secondSeries.value;
    return isSeriesName(name) && (SERIES[name].params as readonly string[]).includes(param);
  }

  async function loadSecond(): Promise<void> {
    const t = trajectory.info;
    second.value = null;
    secondError.value = '';
    const name = secondSeries.value;
    if (!t || !isSeriesName(name)) return;
    const given: Record<string, number | string> = {};
    if (potential.value && secondTakes('potential')) given.potential = potential.value;
    if (temperature.value !== null && Number.isFinite(temperature.value) && secondTakes('temperature')) given.temperature = temperature.value;
    try {
      const s = await api.getSeries({ trajectoryId: t.id, name, params: given });
      if (trajectory.info === t && s.name === secondSeries.value) second.value = markRaw(s);
    } catch (e) {
      if (trajectory.info === t) secondError.value = errorText(e);
    }
  }

  async function detect(): Promise<void> {
    const t = trajectory.info;
    if (!t) return;
    detecting.value = true;
    try {
      await api.detect({ trajectoryId: t.id });
      if (trajectory.info === t) await tags.loadTags();
    } catch (e) {
      if (trajectory.info === t) tags.tagsError = `Detection failed: ${errorText(e)}`;
    } finally {
      detecting.value = false;
    }
  }

  watch([secondSeries, potential, temperature], () => void loadSecond());

  return {
    xAxis, logX, logY, secondSeries, potential, temperature, msd, msdError, second, secondError, seriesLoading, detecting, detected,
    secondTakes, load, loadSecond, detect,
  };
});
