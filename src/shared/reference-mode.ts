// How the panes and the figures choose a field's reference frame: the previous frame, a fixed frame, or a lag.
/** The reference frame of a field at `frame` under the chosen mode, or -1 when there is none. */
export type RefMode = 'previous' | 'fixed' | 'lag';

export function referenceFor(mode: RefMode, frame: number, fixedFrame: number, lag: number): number {
  if (mode === 'previous') return frame - 1;
  if (mode === 'lag') return frame - Math.max(1, Math.round(lag));
  return fixedFrame;
}
