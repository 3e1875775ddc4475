// Mutations of a file's bytes for fuzzing the readers: used in-process by fuzz.test.ts (every reader, many seeds) and
// through the command line by tests/reliability/fuzz-cli.test.ts (truncations, bit flips, splices, zeroed runs).
export type Mutation = (b: Buffer, r: () => number) => Buffer;

export const MUTATIONS: Record<string, Mutation> = {
  flipBytes: (b, r) => {
    const c = Buffer.from(b);
    const k = 1 + Math.floor(r() * 8);
    for (let i = 0; i < k; i++) c[Math.floor(r() * c.length)] ^= 1 << Math.floor(r() * 8);
    return c;
  },
  randomBytes: (b, r) => {
    const c = Buffer.from(b);
    const at = Math.floor(r() * c.length);
    for (let i = at; i < Math.min(c.length, at + 1 + Math.floor(r() * 64)); i++) c[i] = Math.floor(r() * 256);
    return c;
  },
  truncate: (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  deleteRange: (b, r) => {
    const at = Math.floor(r() * b.length);
    const len = 1 + Math.floor(r() * 200);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
  },
  duplicateRange: (b, r) => {
    const at = Math.floor(r() * b.length);
    const len = 1 + Math.floor(r() * 500);
    return Buffer.concat([b.subarray(0, at + len), b.subarray(at)]);
  },
  bigNumbers: (b, r) => {
    // Replace a run of digits by a huge count: the classic way to make a reader allocate the world.
    const c = b.toString('latin1');
    const digits = [...c.matchAll(/\d+/g)];
    if (digits.length === 0) return b;
    const m = digits[Math.floor(r() * digits.length)];
    const big = ['999999999999', '2147483648', '4294967295', '-1', '1e300'][Math.floor(r() * 5)];
    return Buffer.from(c.slice(0, m.index) + big + c.slice(m.index! + m[0].length), 'latin1');
  },
  binaryInt: (b, r) => {
    // Overwrite an aligned 32-bit word with an extreme value (counts and sizes in binary formats).
    const c = Buffer.from(b);
    if (c.length < 8) return c;
    const at = 4 * Math.floor(r() * (c.length / 4 - 1));
    c.writeUInt32LE([0xffffffff, 0x7fffffff, 0x80000000, 0, 1 << 30][Math.floor(r() * 5)], at);
    return c;
  },
  splice: (b, r) => {
    // A range of the file copied over another place of it (frames or records landing where they do not belong).
    const len = 1 + Math.floor(r() * Math.min(512, b.length / 2));
    const from = Math.floor(r() * (b.length - len));
    const to = Math.floor(r() * (b.length - len));
    const c = Buffer.from(b);
    b.copy(c, to, from, from + len);
    return c;
  },
  zeroRun: (b, r) => {
    // A run of zero bytes (a hole left by a crashed filesystem or a sparse copy).
    const c = Buffer.from(b);
    const at = Math.floor(r() * c.length);
    c.fill(0, at, Math.min(c.length, at + 1 + Math.floor(r() * 256)));
    return c;
  },
};
