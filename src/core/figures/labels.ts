// Typeset names of fields and series for axis labels, colour bars and heat maps (markup of text.ts): the registry's
// labels (src/shared/fields.ts), which follow the papers' symbols; panel letters.
import { SERIES, fieldInfo, isFieldName, isFileFieldName, isSeriesName } from '#shared/fields.js';

function escaped(name: string): string {
  return name.replace(/[_^\\{}]/g, (c) => `\\${c}`);
}

/** The typeset label of a per-particle field (unknown names are shown as written, underscores escaped). */
export function fieldLabel(name: string): string {
  return isFieldName(name) || isFileFieldName(name) ? fieldInfo(name).label : escaped(name);
}

/** The typeset label of a per-frame series. */
export function seriesLabel(name: string): string {
  return isSeriesName(name) ? SERIES[name].label : escaped(name);
}

/** Panel letters (a), (b), ... */
export function panelLetter(i: number): string {
  return `(${String.fromCharCode(97 + (i % 26))})`;
}
