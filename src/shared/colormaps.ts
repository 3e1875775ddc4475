// The one colour-map module of the project (pure TS, no DOM): perceptually uniform sequential maps (viridis,
// cividis, magma: the 256-entry tables published with matplotlib, _cm_listed.py, rounded to 8-bit sRGB), a
// diverging blue-white-red map (ColorBrewer RdBu, 11 classes, reversed so that negative is blue, interpolated)
// centred on a neutral value, the choice of map per field, ranges (min-max or quantiles in O(n)), and the
// mapping of a Float32Array of values to packed RGBA colours in one pass (NaN -> a neutral grey).

import { fieldInfo, isFieldName, isFileFieldName, type AnyFieldName } from './fields.js';

export type ColormapName = 'viridis' | 'cividis' | 'magma' | 'rdbu';
export type ColormapKind = 'sequential' | 'diverging';

export interface Colormap {
  name: ColormapName;
  kind: ColormapKind;
  /** 256 entries of r, g, b (0..255). */
  lut: Uint8Array;
}

// 256 colours as 6 hex digits each (matplotlib 3.6 _viridis_data, _cividis_data, _magma_data, round(255 * c)).
const VIRIDIS =
  '44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769' +
  '48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a' +
  '472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85' +
  '4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b' +
  '3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d' +
  '33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e' +
  '2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e' +
  '26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d' +
  '21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88' +
  '1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81' +
  '28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74' +
  '3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863' +
  '5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d' +
  '84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32' +
  'addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a' +
  'd8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725';
const CIVIDIS =
  '00224e00234f00245100255300255400265600275800285900285b00295d002a5f002a61002b62002c64002c66002d68' +
  '002e6a002e6c002f6d00306f0030700031700031710132710533710833700c34700f357012357014367016377018376f' +
  '1a386f1c396f1e3a6f203a6f213b6e233c6e243c6e263d6e273e6e293f6e2a3f6d2b406d2d416d2e416d2f426d31436d' +
  '32436d33446d34456c35456c36466c38476c39486c3a486c3b496c3c4a6c3d4a6c3e4b6c3f4c6c404c6c414d6c424e6c' +
  '434e6c444f6c45506c46516c47516c48526c49536c4a536c4b546c4c556c4d556c4e566c4f576c50576c51586d52596d' +
  '535a6d545a6d555b6d555c6d565c6d575d6d585e6d595e6e5a5f6e5b606e5c616e5d616e5e626e5e636f5f636f60646f' +
  '61656f62656f636670646770656870656870666970676a71686a71696b716a6c716b6d726c6d726c6e726d6f726e6f73' +
  '6f70737071737172747272747273747374757474757575757676767777767777777878777979777a7a787b7a787c7b78' +
  '7d7c787e7c787e7d787f7e78807f78817f788280798381798482798582798683798784788885788985788a86788b8778' +
  '8c88788d88788e89788f8a78908b78918b78928c78928d78938e78948e77958f779690779791779892779992779a9376' +
  '9b94769c95769d95769e96769f9775a09875a19975a29975a39a74a49b74a59c74a69c74a79d73a89e73a99f73aaa073' +
  'aba072aca172ada272aea371afa471b0a571b1a570b3a670b4a76fb5a86fb6a96fb7a96eb8aa6eb9ab6dbaac6dbbad6d' +
  'bcae6cbdae6cbeaf6bbfb06bc0b16ac1b26ac2b369c3b369c4b468c5b568c6b667c7b767c8b866c9b965cbb965ccba64' +
  'cdbb63cebc63cfbd62d0be62d1bf61d2c060d3c05fd4c15fd5c25ed6c35dd7c45cd9c55cdac65bdbc75adcc859ddc858' +
  'dec958dfca57e0cb56e1cc55e2cd54e4ce53e5cf52e6d051e7d150e8d24fe9d34eead34cebd44bedd54aeed649efd748' +
  'f0d846f1d945f2da44f3db42f5dc41f6dd3ff7de3ef8df3cf9e03afbe138fce236fde334fee434fee535fee636fee838';
const MAGMA =
  '00000401000501010601010802010902020b02020d03030f03031204041405041606051806051a07061c08071e090720' +
  '0a08220b09240c09260d0a290e0b2b100b2d110c2f120d31130d34140e36150e38160f3b180f3d19103f1a10421c1044' +
  '1d11471e114920114b21114e22115024125325125527125829115a2a115c2c115f2d11612f1163311165331067341069' +
  '36106b38106c390f6e3b0f703d0f713f0f72400f74420f75440f764510774710784910784a10794c117a4e117b4f127b' +
  '51127c52137c54137d56147d57157e59157e5a167e5c167f5d177f5f187f601880621980641a80651a80671b80681c81' +
  '6a1c816b1d816d1d816e1e81701f81721f817320817521817621817822817922827b23827c23827e2482802582812581' +
  '8326818426818627818827818928818b29818c29818e2a81902a81912b81932b80942c80962c80982d80992d809b2e7f' +
  '9c2e7f9e2f7fa02f7fa1307ea3307ea5317ea6317da8327daa337dab337cad347cae347bb0357bb2357bb3367ab5367a' +
  'b73779b83779ba3878bc3978bd3977bf3a77c03a76c23b75c43c75c53c74c73d73c83e73ca3e72cc3f71cd4071cf4070' +
  'd0416fd2426fd3436ed5446dd6456cd8456cd9466bdb476adc4869de4968df4a68e04c67e24d66e34e65e44f64e55064' +
  'e75263e85362e95462ea5661eb5760ec5860ed5a5fee5b5eef5d5ef05f5ef1605df2625df2645cf3655cf4675cf4695c' +
  'f56b5cf66c5cf66e5cf7705cf7725cf8745cf8765cf9785df9795df97b5dfa7d5efa7f5efa815ffb835ffb8560fb8761' +
  'fc8961fc8a62fc8c63fc8e64fc9065fd9266fd9467fd9668fd9869fd9a6afd9b6bfe9d6cfe9f6dfea16efea36ffea571' +
  'fea772fea973feaa74feac76feae77feb078feb27afeb47bfeb67cfeb77efeb97ffebb81febd82febf84fec185fec287' +
  'fec488fec68afec88cfeca8dfecc8ffecd90fecf92fed194fed395fed597fed799fed89afdda9cfddc9efddea0fde0a1' +
  'fde2a3fde3a5fde5a7fde7a9fde9aafdebacfcecaefceeb0fcf0b2fcf2b4fcf4b6fcf6b8fcf7b9fcf9bbfcfbbdfcfdbf';

// ColorBrewer RdBu (11 classes) from blue (negative) to red (positive); the middle entry is the neutral colour.
const RDBU_R_11 = '0530612166ac4393c392c5ded1e5f0f7f7f7fddbc7f4a582d6604db2182b67001f';

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Resample a table of k colours to 256 by linear interpolation in sRGB. */
function resample256(table: Uint8Array): Uint8Array {
  const k = table.length / 3;
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (k - 1);
    const a = Math.min(k - 2, Math.floor(x));
    const f = x - a;
    for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(table[3 * a + c] * (1 - f) + table[3 * (a + 1) + c] * f);
  }
  return out;
}

export const COLORMAPS: Readonly<Record<ColormapName, Colormap>> = {
  viridis: { name: 'viridis', kind: 'sequential', lut: fromHex(VIRIDIS) },
  cividis: { name: 'cividis', kind: 'sequential', lut: fromHex(CIVIDIS) },
  magma: { name: 'magma', kind: 'sequential', lut: fromHex(MAGMA) },
  rdbu: { name: 'rdbu', kind: 'diverging', lut: resample256(fromHex(RDBU_R_11)) },
};

export const COLORMAP_NAMES: readonly ColormapName[] = ['viridis', 'cividis', 'magma', 'rdbu'];

/** The colour of NaN (a flagged particle): a neutral mid grey, apart from every map's colours at full saturation. */
export const NAN_RGB: readonly [number, number, number] = [150, 150, 150];

export interface FieldColouring {
  map: ColormapName;
  kind: ColormapKind;
  /** The neutral value of a diverging map (0, or 1 for det_h); null for sequential maps. */
  centre: number | null;
  /** True when the values are vectors and the colour shows |v|. */
  magnitude: boolean;
}

/** The map a field is shown with (from its registry entry): diverging (rdbu) around the neutral value for signed fields,
 *  else the chosen sequential map (viridis by default) for magnitudes. */
export function colormapFor(field: AnyFieldName | string, sequential: ColormapName = 'viridis'): FieldColouring {
  const info = isFieldName(field) || isFileFieldName(field) ? fieldInfo(field) : { signed: false, neutral: 0, vector: false };
  if (info.signed) return { map: 'rdbu', kind: 'diverging', centre: info.neutral, magnitude: false };
  const map = COLORMAPS[sequential].kind === 'sequential' ? sequential : 'viridis';
  return { map, kind: 'sequential', centre: null, magnitude: info.vector };
}

/** Per-particle magnitudes |v| of n vectors of `components` components (NaN stays NaN). */
export function magnitudes(values: Float32Array, components: number, out?: Float32Array): Float32Array {
  if (components === 1) return values;
  const n = Math.floor(values.length / components);
  const res = out && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  for (let i = 0, j = 0; i < n; i++, j += components) {
    let s = 0;
    for (let c = 0; c < components; c++) s += values[j + c] * values[j + c];
    res[i] = Math.sqrt(s);
  }
  return res;
}

export interface Range { min: number; max: number }

export interface RangeOptions {
  /** 'minmax': the extreme finite values; 'quantile': the [lo, hi] quantiles (O(n), histogram-refined). */
  mode?: 'minmax' | 'quantile';
  lo?: number;
  hi?: number;
  /** For a diverging map: the range is made symmetric around the centre. */
  centre?: number | null;
}

/** The finite min and max over several arrays; null when none has a finite value. */
export function finiteExtent(arrays: readonly Float32Array[]): Range | null {
  let min = Infinity;
  let max = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  // NaN never passes the comparisons above; infinities are excluded below.
  if (!Number.isFinite(min) || !Number.isFinite(max)) {
    min = Infinity;
    max = -Infinity;
    for (const a of arrays) {
      for (let i = 0; i < a.length; i++) {
        const v = a[i];
        if (!Number.isFinite(v)) continue;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    if (min > max) return null;
  }
  return { min, max };
}

const BINS = 4096;

/**
 * Approximate quantiles of the finite values of several arrays in two O(n) passes: a histogram of 4096 bins over
 * [min, max], then linear interpolation inside the bin (error below (max - min) / 4096).
 */
export function quantiles(arrays: readonly Float32Array[], qs: readonly number[], transform?: (v: number) => number): number[] | null {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = transform ? transform(a[i]) : a[i];
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      count++;
    }
  }
  if (count === 0) return null;
  if (max === min) return qs.map(() => min);
  const hist = new Uint32Array(BINS);
  const scale = BINS / (max - min);
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = transform ? transform(a[i]) : a[i];
      if (!Number.isFinite(v)) continue;
      let b = Math.floor((v - min) * scale);
      if (b >= BINS) b = BINS - 1;
      hist[b]++;
    }
  }
  return qs.map((q) => {
    if (q <= 0) return min;
    if (q >= 1) return max;
    const target = q * count;
    let acc = 0;
    for (let b = 0; b < BINS; b++) {
      const h = hist[b];
      if (acc + h >= target && h > 0) {
        const f = (target - acc) / h;
        return min + (b + f) / scale;
      }
      acc += h;
    }
    return max;
  });
}

/** The colour range of one or more value arrays (finite values only), symmetric around `centre` when given. */
export function rangeOf(arrays: readonly Float32Array[], options: RangeOptions = {}): Range | null {
  const mode = options.mode ?? 'minmax';
  const centre = options.centre ?? null;
  let r: Range | null;
  if (centre !== null) {
    // Symmetric: the extent (or the hi quantile) of |v - centre|.
    let m: number;
    if (mode === 'quantile') {
      const q = quantiles(arrays, [options.hi ?? 0.99], (v) => Math.abs(v - centre));
      if (!q) return null;
      m = q[0];
    } else {
      const e = finiteExtent(arrays);
      if (!e) return null;
      m = Math.max(Math.abs(e.min - centre), Math.abs(e.max - centre));
    }
    if (!(m > 0)) m = centre === 0 ? 1 : Math.abs(centre) * 1e-3 || 1;
    return { min: centre - m, max: centre + m };
  }
  if (mode === 'quantile') {
    const q = quantiles(arrays, [options.lo ?? 0.01, options.hi ?? 0.99]);
    r = q ? { min: q[0], max: q[1] } : null;
  } else {
    r = finiteExtent(arrays);
  }
  if (!r) return null;
  if (r.max <= r.min) {
    const pad = Math.abs(r.min) * 1e-3 || 1;
    return { min: r.min - pad, max: r.max + pad };
  }
  return r;
}

/** Pack r, g, b, a (0..255) into a uint32 whose bytes in memory are r, g, b, a on a little-endian host (all of ours). */
export function packRGBA(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** The 256 packed colours of a map (bytes r, g, b, a in memory on either endianness). */
function packedLut(map: Colormap, alpha: number): Uint32Array {
  const out = new Uint32Array(256);
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < 256; i++) {
    bytes[4 * i] = map.lut[3 * i];
    bytes[4 * i + 1] = map.lut[3 * i + 1];
    bytes[4 * i + 2] = map.lut[3 * i + 2];
    bytes[4 * i + 3] = alpha;
  }
  return out;
}

const packedCache = new Map<string, Uint32Array>();

function packedFor(name: ColormapName, alpha: number): Uint32Array {
  const key = `${name}/${alpha}`;
  let lut = packedCache.get(key);
  if (!lut) {
    lut = packedLut(COLORMAPS[name], alpha);
    packedCache.set(key, lut);
  }
  return lut;
}

export interface MapValuesOptions {
  map: ColormapName;
  min: number;
  max: number;
  /** Components per particle: values with more than one are coloured by their magnitude. */
  components?: number;
  /** Reused output (length >= n); a new array otherwise. */
  out?: Uint32Array;
  alpha?: number;
}

/**
 * Colours of n particles in one pass: value -> clamp((v - min) / (max - min)) -> one of the map's 256 entries,
 * packed as uint32 whose bytes in memory are r, g, b, a (for a WebGL unorm8x4 attribute or ImageData);
 * NaN (a flagged particle) -> NAN_RGB.
 */
export function mapValues(values: Float32Array, options: MapValuesOptions): Uint32Array {
  const components = options.components ?? 1;
  const n = Math.floor(values.length / components);
  const out = options.out && options.out.length >= n ? options.out : new Uint32Array(n);
  const alpha = options.alpha ?? 255;
  const lut = packedFor(options.map, alpha);
  const nanBytes = new Uint8Array([NAN_RGB[0], NAN_RGB[1], NAN_RGB[2], alpha]);
  const nan = new Uint32Array(nanBytes.buffer)[0];
  const { min, max } = options;
  const scale = max > min ? 255.999 / (max - min) : 0;
  if (components === 1) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== v) {
        out[i] = nan;
        continue;
      }
      let k = (v - min) * scale;
      k = k < 0 ? 0 : k > 255 ? 255 : k;
      out[i] = lut[k | 0];
    }
  } else {
    for (let i = 0, j = 0; i < n; i++, j += components) {
      let s = 0;
      for (let c = 0; c < components; c++) s += values[j + c] * values[j + c];
      if (s !== s) {
        out[i] = nan;
        continue;
      }
      let k = (Math.sqrt(s) - min) * scale;
      k = k < 0 ? 0 : k > 255 ? 255 : k;
      out[i] = lut[k | 0];
    }
  }
  return out;
}

/** The colour of t in [0, 1] on a map, as [r, g, b] (0..255). */
export function colourAt(name: ColormapName, t: number): [number, number, number] {
  const lut = COLORMAPS[name].lut;
  const k = Math.max(0, Math.min(255, Math.floor(t * 255.999)));
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
}

/** The colour of t as a CSS hex string (#rrggbb). */
export function cssColourAt(name: ColormapName, t: number): string {
  const [r, g, b] = colourAt(name, t);
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}
