// Child process for the crash test: indexes a file and reports progress on stdout (one line per report,
// written after the batch it follows was committed). Usage: node --import tsx index-child.ts <file> <indexDir>
import { FileSource } from '../../../src/core/io/file-source.js';
import { LammpsDumpReader } from '../../../src/core/io/lammps-dump.js';
import { openIndexed } from '../../../src/core/index/indexed-trajectory.js';

const [file, indexDir] = process.argv.slice(2);
const t = openIndexed(file, {
  indexDir,
  openReader: (p) => new LammpsDumpReader(new FileSource(p)),
  onProgress: (p) => process.stdout.write(`progress ${p.frames} ${p.bytesDone}\n`),
});
process.stdout.write(`done ${t.outcome} ${t.frameCount}\n`);
t.close();
