// The one reference-frame mapping: which frame a field is measured against, and how particles of two
// frames correspond (by id; frames are sorted by id, so a merge finds them in O(n)).

export type ReferenceMode =
  | { kind: 'fixed'; frame: number }
  | { kind: 'previous' }
  | { kind: 'lag'; k: number };

/** The reference frame for `current` under `mode`, or -1 when there is none (e.g. 'previous' of frame 0). */
export function referenceFrame(mode: ReferenceMode, current: number): number {
  switch (mode.kind) {
    case 'fixed': return mode.frame;
    case 'previous': return current - 1;
    case 'lag': return current - mode.k;
  }
}

export interface IdMatch {
  /** For each particle of the current frame, its index in the reference frame, or -1 when absent there. */
  refIndex: Int32Array;
  /** Number of current particles found in the reference. */
  matched: number;
  /** True when both frames hold exactly the same ids (then refIndex[i] === i). */
  identical: boolean;
}

/** Match particles by id between two id-sorted frames. */
export function matchById(refIds: Int32Array, curIds: Int32Array): IdMatch {
  const refIndex = new Int32Array(curIds.length);
  let matched = 0;
  let a = 0;
  for (let i = 0; i < curIds.length; i++) {
    const id = curIds[i];
    while (a < refIds.length && refIds[a] < id) a++;
    if (a < refIds.length && refIds[a] === id) {
      refIndex[i] = a;
      matched++;
    } else {
      refIndex[i] = -1;
    }
  }
  const identical = matched === curIds.length && refIds.length === curIds.length;
  return { refIndex, matched, identical };
}
