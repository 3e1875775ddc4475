// A child process for the kill -9 matrix (tests/reliability/kill-matrix.test.ts): does one kind of work on an index
// through the project's own code and says on stdout, one line each, what it has committed, so the parent can kill it
// at a chosen moment and check afterwards that nothing acknowledged was lost.
//   index  FILE INDEX_DIR              index a trajectory ("go", then "progress FRAMES" after each committed batch)
//   fields FILE INDEX_DIR FRAMES       compute and cache the D2min field of frames 1..FRAMES ("field F" once cached)
//   tags   FILE INDEX_DIR SEED OPS     random tag edits ("begin JSON" before each, "op JSON" once it is committed)
// Usage: node --import tsx tests/reliability/child.ts MODE ARGS...
import { openIndexed } from '../../src/core/index/indexed-trajectory.js';
import { runInProcess } from '../../src/core/jobs/job.js';
import { fieldJob } from '../../src/core/jobs/field-job.js';
import { TAG_KINDS } from '../../src/core/index/index-db.js';
import { mulberry32 } from '../../src/core/util/random.js';

const [mode, file, indexDir, ...rest] = process.argv.slice(2);
const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

if (mode === 'index') {
  say('go');
  const t = openIndexed(file, { indexDir, onProgress: (p) => say(`progress ${p.frames}`) });
  say(`done ${t.frameCount}`);
  t.close();
} else if (mode === 'fields') {
  const frames = Number(rest[0]);
  say('go');
  for (let f = 1; f <= frames; f++) {
    await runInProcess(fieldJob, { path: file, indexDir, name: 'd2min', frame: f, ref: f - 1, params: { cutoff: 2 } });
    say(`field ${f}`);
  }
  say('done');
} else if (mode === 'tags') {
  const r = mulberry32(Number(rest[0]));
  const ops = Number(rest[1]);
  const t = openIndexed(file, { indexDir });
  say('go');
  const kinds = TAG_KINDS.filter((k) => k !== 'candidate');
  for (let k = 0; k < ops; k++) {
    const tags = t.listTags().filter((g) => g.source === 'manual');
    const frame = Math.floor(r() * t.frameCount);
    const kind = kinds[Math.floor(r() * kinds.length)];
    const roll = r();
    const existing = tags.find((g) => g.frame === frame);
    say(`begin ${JSON.stringify(existing && roll < 0.3 ? { op: 'delete', frame } : { op: 'put', frame, kind, note: `edit ${k}` })}`);
    if (existing && roll < 0.3) {
      t.deleteTag(existing.id);
      say(`op ${JSON.stringify({ op: 'delete', frame })}`);
    } else if (existing) {
      const g = t.updateTag(existing.id, { kind, note: `edit ${k}` });
      say(`op ${JSON.stringify({ op: 'put', frame, kind: g.kind, note: g.note })}`);
    } else {
      const g = t.addTag({ frame, kind, note: `edit ${k}` });
      say(`op ${JSON.stringify({ op: 'put', frame, kind: g.kind, note: g.note })}`);
    }
  }
  say('done');
  t.close();
} else {
  process.stderr.write(`child.ts: unknown mode ${mode}\n`);
  process.exit(2);
}
