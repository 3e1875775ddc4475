// Pure navigation and tagging rules of the workbench (no DOM, no Vue): markers on the timeline, J/K jumps, and
// what "Tag frame" (key T) does on the current frame.
import type { TagJson, TagKind } from '#shared/api.js';

export function clampFrame(frame: number, frames: number): number {
  if (frames <= 0) return 0;
  return Math.max(0, Math.min(frames - 1, Math.round(frame)));
}

/** Frames carrying a tag or a detector candidate, ascending and unique. */
export function markerFrames(tags: readonly TagJson[]): number[] {
  return [...new Set(tags.map((t) => t.frame))].sort((a, b) => a - b);
}

/** The next (dir = 1) or previous (dir = -1) marker frame strictly after / before `current`, or null. */
export function nextMarker(frames: readonly number[], current: number, dir: 1 | -1): number | null {
  if (dir > 0) {
    for (const f of frames) if (f > current) return f;
    return null;
  }
  for (let i = frames.length - 1; i >= 0; i--) if (frames[i] < current) return frames[i];
  return null;
}

/** The tag shown for a frame: a manual tag wins over a detector one, then the most recently updated. */
export function tagAtFrame(tags: readonly TagJson[], frame: number): TagJson | undefined {
  let best: TagJson | undefined;
  for (const t of tags) {
    if (t.frame !== frame) continue;
    if (!best) best = t;
    else if (best.source !== t.source) best = t.source === 'manual' ? t : best;
    else if (t.updatedAt > best.updatedAt) best = t;
  }
  return best;
}

/** How the before / after panes are chosen: f - d and f + d, or the event's own bracket at a tag that has one. */
export type BracketMode = 'event' | 'fixed';

/** The event's own bracket at `frame`: the shown tag's (see tagAtFrame) when it has one, else another tag's there. */
export function eventBracket(tags: readonly TagJson[], frame: number): { before: number; after: number } | null {
  const has = (t: TagJson | undefined): t is TagJson & { before: number; after: number } => t !== undefined && t.before !== undefined && t.after !== undefined;
  const shown = tagAtFrame(tags, frame);
  const tag = has(shown) ? shown : tags.find((t) => t.frame === frame && has(t));
  return has(tag) ? { before: tag.before, after: tag.after } : null;
}

/** Frames of the before / at / after panes (null outside the trajectory), and whether they are an event's bracket. */
export function paneFramesAt(frame: number, frames: number, d: number, mode: BracketMode, tags: readonly TagJson[]): { frames: (number | null)[]; event: boolean } {
  const inside = (g: number): number | null => (g >= 0 && g < frames ? g : null);
  const bracket = mode === 'event' ? eventBracket(tags, frame) : null;
  if (bracket) {
    // A jump caught between two frames has the event frame as one end of its bracket (the detector's
    // after == frame); the empty side then mirrors the other, so the three panes show three moments.
    const before = bracket.before < frame ? bracket.before : frame - Math.max(1, bracket.after - frame);
    const after = bracket.after > frame ? bracket.after : frame + Math.max(1, frame - bracket.before);
    return { frames: [inside(before), frame, inside(after)], event: true };
  }
  return { frames: [inside(frame - d), frame, inside(frame + d)], event: false };
}

export type TagAction =
  | { op: 'add'; frame: number; kind: TagKind }
  | { op: 'update'; tag: TagJson; kind: TagKind }
  | { op: 'delete'; tag: TagJson };

/**
 * What "Tag frame" (key T) does on `frame`:
 * - no tag: add a manual 'avalanche' tag;
 * - a detector candidate: confirm it (kind 'avalanche');
 * - an 'uncertain' or 'not-avalanche' tag: make it 'avalanche';
 * - an 'avalanche' tag: untag: a manual tag is deleted, a confirmed detector tag goes back to 'candidate'.
 */
export function toggleTagAction(tags: readonly TagJson[], frame: number): TagAction {
  const tag = tagAtFrame(tags, frame);
  if (!tag) return { op: 'add', frame, kind: 'avalanche' };
  if (tag.kind !== 'avalanche') return { op: 'update', tag, kind: 'avalanche' };
  if (tag.source === 'detector') return { op: 'update', tag, kind: 'candidate' };
  return { op: 'delete', tag };
}

/** Index of the frame whose timestep is nearest to `step` (timesteps ascending). */
export function frameAtTimestep(timesteps: ArrayLike<number>, step: number): number {
  let lo = 0;
  let hi = timesteps.length - 1;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (timesteps[mid] < step) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(timesteps[lo - 1] - step) <= Math.abs(timesteps[lo] - step)) return lo - 1;
  return lo;
}

/** Index of `id` in ascending `ids`, or -1. */
export function indexOfId(ids: Int32Array, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = ids[mid];
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export { referenceFor, type RefMode } from '#shared/reference-mode.js';
