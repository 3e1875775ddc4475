// Drives the three panes (before / at / after): fetches frames and fields through the cache, computes ONE
// colour range over the three fields, uploads only what changed (positions on a frame change, colours on a
// field or scale change), keeps pan and zoom locked, picks particles for hover and click, prefetches the next
// frames in the direction of travel, and reports when a frame set is drawn. Plain TypeScript, no Vue.
// Performance marks avw:update, avw:frames, avw:fields, avw:range, avw:draw, avw:rendered time each step (the
// last step's only: each update clears them, so they do not pile up).
import { NAN_RGB, colormapFor, mapValues, packRGBA, rangeOf, type ColormapName, type FieldColouring, type Range } from '#shared/colormaps.js';
import type { DataCache, FieldData, FieldRequest, FrameData } from './data-cache';
import { indexOfId, type RefMode } from './navigation';
import { fieldInfo, type AnyFieldName, type FieldParamName, type ParamValue } from '#shared/fields.js';
import { requestReference } from '#shared/reference-mode.js';
import type { PaneRenderer } from './pane-renderer';
import { SpatialGrid } from './spatial-grid';
import { fitView, panBy, screenToWorld, zoomAt, type View } from '#shared/view.js';

export interface PanesState {
  trajectoryId: number;
  frames: number;
  /** Frames of the before / at / after panes (null outside the trajectory). */
  paneFrames: (number | null)[];
  /** The current frame (the "at" pane). */
  current: number;
  field: string;
  refMode: RefMode;
  fixedRef: number;
  lag: number;
  /** The field's parameters (those it takes). */
  params: Partial<Record<FieldParamName, ParamValue>>;
  colormap: ColormapName;
  rangeMode: 'minmax' | 'quantile' | 'manual';
  manualMin: number;
  manualMax: number;
  showArrows: boolean;
  arrowScale: number;
  selectedId: number | null;
  /** Outline the rearrangers of the current frame (the registry's rearranger field, since the previous frame). */
  outlineRearrangers: boolean;
}

/** The rearrangers outlined: of which frame, how many, or why none could be found. */
export interface OutlineStatus {
  frame: number;
  count: number;
  error: string;
}

export interface PanesStatus {
  frames: (FrameData | null)[];
  fields: (FieldData | null)[];
  /** The shared colour range and map, or null when coloured by type. */
  range: Range | null;
  colouring: FieldColouring | null;
  field: string;
  loadingField: boolean;
  /** Per pane: why its frame or field is missing ('' when fine). */
  errors: string[];
  fieldError: string;
}

export interface HoverInfo {
  pane: number;
  frame: number;
  id: number;
  index: number;
  diameter: number;
  value: number | null;
  vector: number[] | null;
}

export interface PanesCallbacks {
  onStatus(status: PanesStatus): void;
  onRendered(frame: number, field: string): void;
  /** The rearranger outlines were drawn (or cleared: null). */
  onOutlines?(status: OutlineStatus | null): void;
}

const NO_VALUE = packRGBA(NAN_RGB[0], NAN_RGB[1], NAN_RGB[2]);
const MARKS = ['avw:update', 'avw:frames', 'avw:fields', 'avw:range', 'avw:draw', 'avw:rendered'];
/** Frames fetched ahead in the direction of travel, beyond the after pane. */
const PREFETCH_AHEAD = 3;

/** Categorical colours of particle types when no field is shown. */
const TYPE_COLOURS = [packRGBA(120, 160, 205), packRGBA(232, 160, 92), packRGBA(132, 190, 126), packRGBA(192, 146, 206), packRGBA(214, 110, 110), packRGBA(150, 150, 150)];

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function settle<T>(p: Promise<T> | null): Promise<{ value: T | null; error: string }> {
  if (!p) return { value: null, error: '' };
  try {
    return { value: await p, error: '' };
  } catch (e) {
    return { value: null, error: errorText(e) };
  }
}

interface PaneSlot {
  renderer: PaneRenderer | null;
  frame: FrameData | null;
  colourKey: string;
  colourSource: FieldData | null;
  arrowKey: string;
  colours: Uint32Array;
  visible: boolean;
}

/** The request of field `name` at `frame` under the panes' reference mode and parameters, or null when it has no
 *  reference there. The registry's rule decides which fields follow the mode (pair fields) and which keep their own. */
export function fieldRequestAt(s: Pick<PanesState, 'trajectoryId' | 'frames' | 'refMode' | 'fixedRef' | 'lag' | 'params'>, name: string, frame: number): FieldRequest | null {
  if (name === 'none') return null;
  const info = fieldInfo(name as AnyFieldName);
  const ref = requestReference(info.reference, s.refMode, frame, s.frames, s.fixedRef, s.lag);
  if (ref === null) return null;
  const r: FieldRequest = { trajectoryId: s.trajectoryId, frame, name };
  if (ref !== undefined) r.ref = ref;
  const params = Object.fromEntries(Object.entries(s.params).filter(([k, v]) => v !== undefined && (info.params as readonly string[]).includes(k)));
  if (Object.keys(params).length) r.params = params;
  return r;
}

export class PanesController {
  private readonly slots: PaneSlot[] = [0, 1, 2].map(() => ({
    renderer: null, frame: null, colourKey: '', colourSource: null, arrowKey: '', colours: new Uint32Array(0), visible: false,
  }));
  private seq = 0;
  private state: PanesState | null = null;
  private view: View | null = null;
  private viewTrajectory = -1;
  private lastCurrent = -1;
  private direction = 1;
  private renderQueued = false;
  private status: PanesStatus | null = null;
  private fieldStamp = new WeakMap<FieldData, number>();
  /** The rearrangers outlined (trajectory|frame) and their ids. */
  private outlineKey = '';
  private outlineIds: Int32Array | null = null;
  private stampCounter = 0;

  constructor(private readonly cache: DataCache, private readonly callbacks: PanesCallbacks) {}

  attach(i: number, renderer: PaneRenderer): void {
    this.slots[i].renderer = renderer;
    if (this.view) renderer.setView(this.view);
    if (this.state) void this.update(this.state);
  }

  detach(): void {
    for (const s of this.slots) {
      s.renderer?.destroy();
      s.renderer = null;
      s.frame = null;
      s.colourKey = '';
      s.arrowKey = '';
    }
  }

  get ready(): boolean {
    return this.slots.every((s) => s.renderer !== null);
  }

  fieldRequest(s: PanesState, frame: number): FieldRequest | null {
    return fieldRequestAt(s, s.field, frame);
  }

  /** Show a state: loads what is missing, then draws the three panes and reports the rendered frame. */
  async update(s: PanesState): Promise<void> {
    const seq = ++this.seq;
    this.state = s;
    for (const m of MARKS) performance.clearMarks(m);
    performance.mark('avw:update');
    if (s.current !== this.lastCurrent && this.lastCurrent >= 0) this.direction = s.current > this.lastCurrent ? 1 : -1;
    this.lastCurrent = s.current;
    if (!this.ready) return;
    const requests = s.paneFrames.map((g) => (g === null ? null : this.fieldRequest(s, g)));
    const fieldPending = requests.some((r) => r !== null && !this.cache.hasField(r));
    const framePromises = s.paneFrames.map((g) => (g === null ? null : this.cache.frame(s.trajectoryId, g)));
    const fieldPromises = requests.map((r) => (r ? this.cache.field(r) : null));
    const frames = await Promise.all(framePromises.map(settle));
    performance.mark('avw:frames');
    if (seq !== this.seq) return;
    if (this.viewTrajectory !== s.trajectoryId) {
      const first = frames.find((f) => f.value)?.value;
      if (first) {
        this.viewTrajectory = s.trajectoryId;
        this.fit(first);
      }
    }
    const errors = frames.map((f) => f.error);
    if (fieldPending) {
      // Draw the positions at once (coloured by type) while the field is computed.
      this.draw(s, frames.map((f) => f.value), [null, null, null], null, null);
      this.publish({ frames: frames.map((f) => f.value), fields: [null, null, null], range: null, colouring: null, field: s.field, loadingField: true, errors, fieldError: '' });
    }
    const fields = await Promise.all(fieldPromises.map(settle));
    performance.mark('avw:fields');
    if (seq !== this.seq) return;
    const fieldValues = fields.map((f, i) => {
      const fd = frames[i].value;
      const v = f.value;
      return v && fd && v.scalar.length === fd.n ? v : null;
    });
    const fieldError = fields.map((f) => f.error).find((e) => e) ?? '';
    fields.forEach((f, i) => {
      if (f.error && !errors[i]) errors[i] = f.error;
      else if (!f.error && s.paneFrames[i] !== null && s.field !== 'none' && requests[i] === null && !errors[i]) {
        errors[i] = `no reference frame for ${s.field} at frame ${s.paneFrames[i]}`;
      }
    });
    const colouring = s.field === 'none' ? null : colormapFor(s.field, s.colormap);
    let range: Range | null = null;
    if (colouring) {
      const arrays = fieldValues.filter((v): v is FieldData => v !== null).map((v) => v.scalar);
      if (s.rangeMode === 'manual' && s.manualMax > s.manualMin) range = { min: s.manualMin, max: s.manualMax };
      else range = rangeOf(arrays, { mode: s.rangeMode === 'minmax' ? 'minmax' : 'quantile', lo: 0.01, hi: 0.99, centre: colouring.centre });
    }
    performance.mark('avw:range');
    this.draw(s, frames.map((f) => f.value), fieldValues, colouring, range);
    performance.mark('avw:draw');
    // Report the drawn frame first: the rest of the UI (colour bar, histograms) follows.
    this.callbacks.onRendered(s.current, s.field);
    performance.mark('avw:rendered');
    this.publish({ frames: frames.map((f) => f.value), fields: fieldValues, range, colouring, field: s.field, loadingField: false, errors, fieldError });
    void this.updateOutlines(s, seq);
    this.prefetch(s, seq);
  }

  /**
   * Rings around the rearrangers of the current frame (rearranger field = 1: D2min since the previous frame above
   * d_soft, with the registry's defaults) in every pane, found there by particle id. Drawn after the panes; cleared when
   * turned off, and while another frame's are loading.
   */
  /** Drop the outlines of another frame (or all, when off) before anything is drawn; the key of those wanted now. */
  private clearStaleOutlines(s: PanesState): string {
    const key = s.outlineRearrangers ? `${s.trajectoryId}|${s.current}` : '';
    if (key !== this.outlineKey || !key) {
      for (const slot of this.slots) slot.renderer?.setOutlines(null);
      this.outlineKey = '';
      this.outlineIds = null;
    }
    return key;
  }

  private async updateOutlines(s: PanesState, seq: number): Promise<void> {
    const key = this.clearStaleOutlines(s);
    if (!s.outlineRearrangers) {
      this.callbacks.onOutlines?.(null);
      this.renderAll();
      return;
    }
    let ids = this.outlineIds;
    if (!ids) {
      const r = fieldRequestAt({ ...s, params: {} }, 'rearranger', s.current);
      if (!r) {
        this.callbacks.onOutlines?.({ frame: s.current, count: 0, error: `no rearrangers at frame ${s.current}: it has no previous frame` });
        this.scheduleRender();
        return;
      }
      let found: Int32Array;
      try {
        const [current, flags] = await Promise.all([this.cache.frame(s.trajectoryId, s.current), this.cache.field(r)]);
        if (seq !== this.seq) return;
        const n = Math.min(current.n, flags.scalar.length);
        let count = 0;
        for (let k = 0; k < n; k++) if (flags.scalar[k] > 0.5) count++;
        found = new Int32Array(count);
        for (let k = 0, j = 0; k < n; k++) if (flags.scalar[k] > 0.5) found[j++] = current.ids[k];
      } catch (e) {
        if (seq !== this.seq) return;
        this.callbacks.onOutlines?.({ frame: s.current, count: 0, error: errorText(e) });
        return;
      }
      ids = found;
      this.outlineIds = ids;
      this.outlineKey = key;
    }
    for (const slot of this.slots) {
      const fd = slot.frame;
      if (!slot.renderer) continue;
      if (!fd) {
        slot.renderer.setOutlines(null);
        continue;
      }
      const at = new Float32Array(3 * ids.length);
      let m = 0;
      for (const id of ids) {
        const i = indexOfId(fd.ids, id);
        if (i < 0) continue;
        at[m++] = fd.xy[2 * i];
        at[m++] = fd.xy[2 * i + 1];
        at[m++] = fd.radii[i];
      }
      slot.renderer.setOutlines(at.subarray(0, m));
    }
    this.renderAll();
    this.callbacks.onOutlines?.({ frame: s.current, count: ids.length, error: '' });
  }

  private publish(status: PanesStatus): void {
    this.status = status;
    this.callbacks.onStatus(status);
  }

  private stamp(f: FieldData): number {
    let k = this.fieldStamp.get(f);
    if (k === undefined) {
      k = ++this.stampCounter;
      this.fieldStamp.set(f, k);
    }
    return k;
  }

  private draw(s: PanesState, frames: (FrameData | null)[], fields: (FieldData | null)[], colouring: FieldColouring | null, range: Range | null): void {
    this.clearStaleOutlines(s);
    for (let i = 0; i < 3; i++) {
      const slot = this.slots[i];
      const r = slot.renderer;
      if (!r) continue;
      const fd = frames[i];
      if (!fd) {
        if (slot.visible) r.setVisible(false);
        slot.visible = false;
        slot.frame = null;
        continue;
      }
      if (!slot.visible) r.setVisible(true);
      slot.visible = true;
      const frameChanged = slot.frame !== fd;
      if (frameChanged) {
        r.setFrame(fd.xy, fd.radii, fd.n, fd.box);
        slot.frame = fd;
        if (slot.colours.length < fd.n) slot.colours = new Uint32Array(fd.n);
      }
      const fld = fields[i];
      const key = fld && colouring && range
        ? `f${this.stamp(fld)}|${colouring.map}|${range.min}|${range.max}|${fd.n}`
        : colouring ? `none|${fd.n}` : `types|${fd.frame}|${fd.trajectoryId}|${fd.n}`;
      if (key !== slot.colourKey || frameChanged) {
        if (fld && colouring && range) {
          mapValues(fld.scalar, { map: colouring.map, min: range.min, max: range.max, out: slot.colours });
        } else if (colouring) {
          // A field is shown but this pane has none (no reference frame, or an error): the colour of "no value".
          slot.colours.fill(NO_VALUE, 0, fd.n);
        } else {
          const c = slot.colours;
          const t = fd.types;
          for (let k = 0; k < fd.n; k++) c[k] = TYPE_COLOURS[Math.abs(t[k] | 0) % TYPE_COLOURS.length];
        }
        r.setColours(slot.colours);
        slot.colourKey = key;
        slot.colourSource = fld;
      }
      const arrows = s.showArrows && fld && fld.components > 1;
      const akey = arrows ? `a${this.stamp(fld)}|${s.arrowScale}|${fd.frame}` : 'none';
      if (akey !== slot.arrowKey || frameChanged) {
        if (arrows) r.setArrows(fd.xy, fld.values, fld.components, fd.n, s.arrowScale);
        else r.setArrows(null, null, 0, 0, 1);
        slot.arrowKey = akey;
      }
      this.applyHighlight(slot, s.selectedId);
    }
    this.renderAll();
  }

  private applyHighlight(slot: PaneSlot, id: number | null): void {
    const fd = slot.frame;
    if (!slot.renderer) return;
    if (id === null || !fd) {
      slot.renderer.setHighlight(null);
      return;
    }
    const i = indexOfId(fd.ids, id);
    slot.renderer.setHighlight(i < 0 ? null : { x: fd.xy[2 * i], y: fd.xy[2 * i + 1], r: fd.radii[i] });
  }

  setSelected(id: number | null): void {
    if (this.state) this.state = { ...this.state, selectedId: id };
    for (const s of this.slots) this.applyHighlight(s, id);
    this.scheduleRender();
  }

  /** Draw the three panes now (the benchmark times the GPU with it). */
  renderNow(): void {
    this.renderAll();
  }

  private renderAll(): void {
    for (const s of this.slots) s.renderer?.render();
  }

  scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderAll();
    });
  }

  /** Fetch the next frames (and their fields) in the direction of travel, once the panes are drawn: while
   * stepping, what the next step needs was asked for a few steps earlier. Requests already made are joined. */
  private prefetch(s: PanesState, seq: number): void {
    const run = (): void => {
      if (seq !== this.seq) return;
      const d = Math.max(1, s.paneFrames[2] !== null ? s.paneFrames[2]! - s.current : s.current - (s.paneFrames[0] ?? s.current));
      for (let k = 1; k <= PREFETCH_AHEAD; k++) {
        const g = s.current + this.direction * (d + k);
        if (g < 0 || g >= s.frames) continue;
        const r = this.fieldRequest(s, g);
        void this.cache.frame(s.trajectoryId, g).catch(() => undefined);
        if (r) void this.cache.field(r, 'ahead').catch(() => undefined);
      }
    };
    setTimeout(run, 0);
  }

  // ---- view: pan and zoom locked across the panes ----
  private size(): [number, number] {
    const r = this.slots[1].renderer ?? this.slots[0].renderer;
    if (!r) return [1, 1];
    return [r.renderer.width / r.renderer.resolution, r.renderer.height / r.renderer.resolution];
  }

  fit(frame?: FrameData): void {
    const fd = frame ?? this.slots.find((s) => s.frame)?.frame;
    if (!fd) return;
    const [w, h] = this.size();
    this.setView(fitView(fd.box, w, h));
  }

  setView(v: View): void {
    this.view = v;
    for (const s of this.slots) s.renderer?.setView(v);
    this.scheduleRender();
  }

  zoom(factor: number, px: number, py: number): void {
    if (!this.view) return;
    const [w, h] = this.size();
    this.setView(zoomAt(this.view, factor, px, py, w, h));
  }

  pan(dx: number, dy: number): void {
    if (!this.view) return;
    this.setView(panBy(this.view, dx, dy));
  }

  resize(i: number, width: number, height: number): void {
    const r = this.slots[i].renderer;
    if (!r) return;
    r.resize(width, height);
    if (this.view) r.setView(this.view);
    this.scheduleRender();
  }

  /** The particle under (px, py) in CSS pixels of pane i, or null. */
  pick(i: number, px: number, py: number): HoverInfo | null {
    const slot = this.slots[i];
    const fd = slot.frame;
    if (!fd || !this.view || !slot.renderer) return null;
    const r = slot.renderer.renderer;
    const [x, y] = screenToWorld(this.view, px, py, r.width / r.resolution, r.height / r.resolution);
    fd.grid ??= SpatialGrid.build(fd.xy, fd.radii, fd.n);
    const k = fd.grid.pick(x, y, 4 / this.view.scale);
    if (k < 0) return null;
    const fld = this.status?.fields[i] ?? null;
    let value: number | null = null;
    let vector: number[] | null = null;
    if (fld && fld.scalar.length === fd.n) {
      value = fld.scalar[k];
      if (fld.components > 1) vector = Array.from(fld.values.subarray(k * fld.components, (k + 1) * fld.components));
    }
    return { pane: i, frame: fd.frame, id: fd.ids[k], index: k, diameter: 2 * fd.radii[k], value, vector };
  }

  reset(): void {
    this.seq++;
    this.viewTrajectory = -1;
    this.lastCurrent = -1;
    this.outlineKey = '';
    this.outlineIds = null;
    for (const s of this.slots) {
      s.renderer?.setOutlines(null);
      s.frame = null;
      s.colourKey = '';
      s.arrowKey = '';
    }
  }
}
