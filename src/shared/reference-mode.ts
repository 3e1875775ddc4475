// How the panes and the figures choose a field's reference frame: the previous frame, a fixed frame, or a lag, for
// the fields the registry calls pair fields; the others keep their own rule (src/shared/fields.ts).
import type { ReferenceRule } from './fields.js';

export type RefMode = 'previous' | 'fixed' | 'lag';

/** The reference frame of a pair field at `frame` under the chosen mode, or -1 when there is none. */
export function referenceFor(mode: RefMode, frame: number, fixedFrame: number, lag: number): number {
  if (mode === 'previous') return frame - 1;
  if (mode === 'lag') return frame - Math.max(1, Math.round(lag));
  return fixedFrame;
}

/**
 * The `ref` a request names for a field with reference rule `rule` at `frame`: the mode's frame for pair fields,
 * undefined for the others (their rule decides), or null when the field has no reference there (a pair field's
 * reference outside the trajectory, mobility at frame 0).
 */
export function requestReference(rule: ReferenceRule, mode: RefMode, frame: number, frames: number, fixedFrame: number, lag: number): number | undefined | null {
  if (rule === 'pair') {
    const ref = referenceFor(mode, frame, fixedFrame, lag);
    return ref >= 0 && ref < frames ? ref : null;
  }
  if (rule === 'previous') return frame >= 1 ? undefined : null;
  return undefined;
}
