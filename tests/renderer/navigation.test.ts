import { describe, expect, it } from 'vitest';
import type { TagJson } from '../../src/shared/api.js';
import {
  clampFrame, eventBracket, frameAtTimestep, indexOfId, markerFrames, nextMarker, paneFramesAt, referenceFor, tagAtFrame, toggleTagAction,
} from '../../src/renderer/src/lib/navigation.js';

function tag(id: number, frame: number, kind: TagJson['kind'], source: TagJson['source'] = 'manual', updatedAt = '2026-01-01T00:00:00Z'): TagJson {
  return { id, frame, timestep: frame * 10, kind, source, score: null, note: '', createdAt: updatedAt, updatedAt };
}

describe('timeline navigation', () => {
  it('clamps frames to the trajectory', () => {
    expect(clampFrame(-3, 10)).toBe(0);
    expect(clampFrame(12, 10)).toBe(9);
    expect(clampFrame(4.6, 10)).toBe(5);
    expect(clampFrame(3, 0)).toBe(0);
  });

  it('J and K go to the next and previous marker, strictly', () => {
    const tags = [tag(1, 40, 'candidate', 'detector'), tag(2, 12, 'avalanche'), tag(3, 40, 'uncertain'), tag(4, 90, 'not-avalanche')];
    const m = markerFrames(tags);
    expect(m).toEqual([12, 40, 90]);
    expect(nextMarker(m, 0, 1)).toBe(12);
    expect(nextMarker(m, 12, 1)).toBe(40);
    expect(nextMarker(m, 40, -1)).toBe(12);
    expect(nextMarker(m, 12, -1)).toBeNull();
    expect(nextMarker(m, 90, 1)).toBeNull();
    expect(nextMarker(m, 100, -1)).toBe(90);
  });

  it('maps a timestep to the nearest frame and finds ids by bisection', () => {
    const steps = [0, 1, 2, 4, 8, 16, 100, 101];
    expect(frameAtTimestep(steps, 0)).toBe(0);
    expect(frameAtTimestep(steps, 5.9)).toBe(3);
    expect(frameAtTimestep(steps, 6.1)).toBe(4);
    expect(frameAtTimestep(steps, 70)).toBe(6);
    expect(frameAtTimestep(steps, 1e9)).toBe(7);
    const ids = new Int32Array([1, 3, 4, 9, 200]);
    expect(indexOfId(ids, 9)).toBe(3);
    expect(indexOfId(ids, 1)).toBe(0);
    expect(indexOfId(ids, 200)).toBe(4);
    expect(indexOfId(ids, 5)).toBe(-1);
  });

  it('chooses the reference frame of a field by mode', () => {
    expect(referenceFor('previous', 10, 0, 3)).toBe(9);
    expect(referenceFor('previous', 0, 0, 3)).toBe(-1);
    expect(referenceFor('fixed', 10, 2, 3)).toBe(2);
    expect(referenceFor('lag', 10, 0, 3)).toBe(7);
    expect(referenceFor('lag', 10, 0, 0)).toBe(9);
  });
});

describe('Tag frame (key T)', () => {
  it('adds an avalanche tag on an untagged frame', () => {
    expect(toggleTagAction([tag(1, 3, 'avalanche')], 5)).toEqual({ op: 'add', frame: 5, kind: 'avalanche' });
  });

  it('confirms a candidate, and makes uncertain / not-avalanche tags avalanches', () => {
    const c = tag(1, 5, 'candidate', 'detector');
    expect(toggleTagAction([c], 5)).toEqual({ op: 'update', tag: c, kind: 'avalanche' });
    const u = tag(2, 6, 'uncertain');
    expect(toggleTagAction([u], 6)).toEqual({ op: 'update', tag: u, kind: 'avalanche' });
  });

  it('untags: deletes a manual avalanche tag, returns a confirmed detector tag to candidate', () => {
    const m = tag(1, 5, 'avalanche');
    expect(toggleTagAction([m], 5)).toEqual({ op: 'delete', tag: m });
    const d = tag(2, 7, 'avalanche', 'detector');
    expect(toggleTagAction([d], 7)).toEqual({ op: 'update', tag: d, kind: 'candidate' });
  });

  it('prefers the manual tag of a frame over the detector one', () => {
    const d = tag(1, 5, 'candidate', 'detector', '2026-02-01T00:00:00Z');
    const m = tag(2, 5, 'uncertain', 'manual', '2026-01-01T00:00:00Z');
    expect(tagAtFrame([d, m], 5)).toBe(m);
    expect(tagAtFrame([d, m], 6)).toBeUndefined();
  });
});

describe('the panes\' bracket: fixed d or the event\'s own', () => {
  const candidate = { ...tag(1, 40, 'candidate', 'detector'), before: 37, after: 44 };
  const manual = tag(2, 40, 'avalanche');
  const late = { ...tag(3, 98, 'candidate', 'detector'), before: 96, after: 99 };

  it('fixed d shows f - d, f, f + d, null outside the trajectory', () => {
    expect(paneFramesAt(40, 100, 2, 'fixed', [candidate])).toEqual({ frames: [38, 40, 42], event: false });
    expect(paneFramesAt(1, 100, 2, 'fixed', [])).toEqual({ frames: [null, 1, 3], event: false });
    expect(paneFramesAt(99, 100, 1, 'fixed', [])).toEqual({ frames: [98, 99, null], event: false });
  });

  it('event mode shows the bracket of the tag at the frame, and f +- d elsewhere', () => {
    expect(paneFramesAt(40, 100, 1, 'event', [candidate])).toEqual({ frames: [37, 40, 44], event: true });
    expect(paneFramesAt(41, 100, 1, 'event', [candidate])).toEqual({ frames: [40, 41, 42], event: false });
    expect(paneFramesAt(98, 99, 1, 'event', [late])).toEqual({ frames: [96, 98, null], event: true });
  });

  it('a bracket ending at the event frame (a jump between two frames) mirrors its other side', () => {
    const jump = { ...tag(4, 144, 'candidate', 'detector'), before: 142, after: 144 };
    expect(paneFramesAt(144, 216, 1, 'event', [jump])).toEqual({ frames: [142, 144, 146], event: true });
    const starts = { ...tag(5, 10, 'candidate', 'detector'), before: 10, after: 13 };
    expect(paneFramesAt(10, 216, 1, 'event', [starts])).toEqual({ frames: [7, 10, 13], event: true });
  });

  it('a manual tag shown at the frame lends the detector tag\'s bracket there; a manual tag alone has none', () => {
    expect(eventBracket([candidate, manual], 40)).toEqual({ before: 37, after: 44 });
    expect(eventBracket([manual], 40)).toBeNull();
    expect(paneFramesAt(40, 100, 3, 'event', [manual])).toEqual({ frames: [37, 40, 43], event: false });
  });
});
