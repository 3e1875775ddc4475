// The events of a run and their three moments: every detected or tagged event (a person's rejections left out), with
// the frames before / at / after it (the event's own bracket when it has one, else the neighbouring frames). Fields at
// a moment are measured against the previous frame (the figures' default reference), so frame 0 has none.
import type { Tag } from '../index/index-db.js';

export const MOMENTS = ['before', 'at', 'after'] as const;
export type Moment = (typeof MOMENTS)[number];

/** Which events: every detected or tagged one (default), or only those a person confirmed as avalanches. */
export type EventSelection = 'all' | 'confirmed';

export interface RunEvent {
  frame: number;
  kind: Tag['kind'];
  source: Tag['source'];
  before: number;
  after: number;
}

/** The events of a run from its tags, one per frame (a manual tag wins over the detector's at the same frame). */
export function runEvents(tags: readonly Tag[], frameCount: number, selection: EventSelection = 'all'): RunEvent[] {
  const byFrame = new Map<number, Tag>();
  for (const t of tags) {
    if (t.kind === 'not-avalanche') continue;
    if (selection === 'confirmed' && t.kind !== 'avalanche') continue;
    if (t.frame >= frameCount) continue;
    const prev = byFrame.get(t.frame);
    if (!prev || (prev.source === 'detector' && t.source === 'manual')) byFrame.set(t.frame, t);
  }
  return [...byFrame.values()].sort((a, b) => a.frame - b.frame).map((t) => ({
    frame: t.frame, kind: t.kind, source: t.source,
    before: Math.max(0, Math.min(t.before ?? t.frame - 1, t.frame)),
    after: Math.min(frameCount - 1, Math.max(t.after ?? t.frame + 1, t.frame)),
  }));
}

/** The frame of a moment of an event. */
export function momentFrame(e: RunEvent, m: Moment): number {
  return m === 'before' ? e.before : m === 'at' ? e.frame : e.after;
}

/** The reference frame of a field at `frame` (the previous frame), or -1 when there is none. */
export function momentReference(frame: number): number {
  return frame - 1;
}
