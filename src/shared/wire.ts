// Binary framing for API messages over a WebSocket: JSON for the structure, typed arrays appended raw and
// 8-byte aligned, so per-particle arrays cross the wire without a JSON round trip. Runs in Node and the browser.
// Layout: u32 headerLength, u32 arrayCount, (u32 offset, u32 byteLength) per array, header JSON, arrays.

type TypedArray = Int32Array | Float64Array | Float32Array | Uint8Array | Uint32Array | Int8Array | Int16Array | Uint16Array;
const CTORS = { Int32Array, Float64Array, Float32Array, Uint8Array, Uint32Array, Int8Array, Int16Array, Uint16Array } as const;
type CtorName = keyof typeof CTORS;

interface ArrayRef { __typed: CtorName; index: number }

function isTyped(v: unknown): v is TypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

function isRef(v: unknown): v is ArrayRef {
  return typeof v === 'object' && v !== null && '__typed' in v && 'index' in v;
}

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeMessage(message: unknown): Uint8Array {
  const arrays: TypedArray[] = [];
  const json = JSON.stringify(message, (_key, value: unknown) => {
    if (!isTyped(value)) return value;
    arrays.push(value);
    return { __typed: value.constructor.name as CtorName, index: arrays.length - 1 } satisfies ArrayRef;
  });
  const header = new TextEncoder().encode(json);
  const headerAt = 8 + 8 * arrays.length;
  let size = align8(headerAt + header.length);
  const offsets = arrays.map((a) => {
    const at = size;
    size = align8(size + a.byteLength);
    return at;
  });
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  view.setUint32(4, arrays.length, true);
  arrays.forEach((a, i) => {
    view.setUint32(8 + 8 * i, offsets[i], true);
    view.setUint32(12 + 8 * i, a.byteLength, true);
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), offsets[i]);
  });
  out.set(header, headerAt);
  return out;
}

export interface DecodeOptions {
  /** Arrays as views into `bytes` (no copy) where aligned, for a receiver that owns the message's buffer (a
   * WebSocket's ArrayBuffer); they keep the whole message alive. Default: each array copied into its own buffer. */
  views?: boolean;
}

export function decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8) throw new Error('malformed message: too short');
  const headerLength = view.getUint32(0, true);
  const count = view.getUint32(4, true);
  const headerAt = 8 + 8 * count;
  if (headerAt + headerLength > bytes.byteLength) throw new Error('malformed message: header past the end');
  const json = new TextDecoder().decode(bytes.subarray(headerAt, headerAt + headerLength));
  return JSON.parse(json, (_k, v: unknown) => {
    if (!isRef(v)) return v;
    const Ctor = CTORS[v.__typed];
    if (!Ctor || !Number.isInteger(v.index) || v.index < 0 || v.index >= count) throw new Error('malformed message: bad array reference');
    const offset = view.getUint32(8 + 8 * v.index, true);
    const length = view.getUint32(12 + 8 * v.index, true);
    if (offset + length > bytes.byteLength || length % Ctor.BYTES_PER_ELEMENT !== 0) throw new Error('malformed message: array past the end');
    const at = bytes.byteOffset + offset;
    if (options.views && at % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer as ArrayBuffer, at, length / Ctor.BYTES_PER_ELEMENT);
    // Copy into a fresh, aligned buffer that the receiver owns.
    const copy = bytes.slice(offset, offset + length);
    return new Ctor(copy.buffer, 0, length / Ctor.BYTES_PER_ELEMENT);
  });
}
