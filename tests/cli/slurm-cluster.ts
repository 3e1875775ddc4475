// A real one-node SLURM cluster for tests (Debian's slurm-wlm and munge): a munge key and munged, then slurmctld and
// slurmd with a small slurm.conf in a temporary folder (this host as controller and node, free ports, linuxproc process
// tracking, no task plugin, cons_tres selection, state/spool/log folders inside the folder, one partition). Every daemon
// is started by us in the foreground and stopped by its pid, with the batch jobs it started; also at process exit.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/sinfo', '/usr/bin/scontrol'];

/** Whether a cluster can be started here, and if not, why. */
export function slurmAvailable(): { ok: boolean; reason: string } {
  const missing = BINARIES.filter((b) => !existsSync(b));
  if (missing.length) return { ok: false, reason: `SLURM or munge is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the one-node SLURM cluster runs its daemons as root; this test runs as another user' };
  return { ok: true, reason: '' };
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function waitFor(what: string, test: () => boolean, timeoutMs: number, log: () => string): Promise<void> {
  const t0 = Date.now();
  while (!test()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`slurm cluster: ${what} did not happen within ${timeoutMs / 1000} s\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Pids of the descendants of `pid` (batch scripts, slurmstepd) from /proc. */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // the process ended meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of parent) if (pp === p) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export interface SlurmCluster {
  dir: string;
  conf: string;
  /** The environment for SLURM's client commands (SLURM_CONF). */
  env: NodeJS.ProcessEnv;
  node: string;
  /** The daemons' logs, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  const dir = mkdtempSync('/tmp/avw-slurm-');
  chmodSync(dir, 0o755);
  for (const d of ['state', 'spool', 'log', 'munge']) mkdirSync(join(dir, d), { mode: 0o755 });
  const key = join(dir, 'munge', 'munge.key');
  writeFileSync(key, randomBytes(1024), { mode: 0o400 });
  const socket = join(dir, 'munge', 'munge.socket');
  const procs: ChildProcess[] = [];
  const started = (cmd: string, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: string[] = [];
    child.stdout!.on('data', (c: Buffer) => chunks.push(c.toString()));
    child.stderr!.on('data', (c: Buffer) => chunks.push(c.toString()));
    child.on('exit', () => writeFileSync(join(dir, 'log', log), chunks.join('')));
    (child as ChildProcess & { output: string[] }).output = chunks;
    procs.push(child);
    return child;
  };
  const readLogs = (): string => {
    const parts: string[] = [];
    for (const p of procs) parts.push(`--- ${p.spawnargs.slice(0, 2).join(' ')} (pid ${p.pid}, exit ${p.exitCode ?? p.signalCode ?? 'running'})\n${(p as ChildProcess & { output: string[] }).output.join('').slice(-3000)}`);
    for (const f of ['slurmctld.log', 'slurmd.log']) {
      const p = join(dir, 'log', f);
      if (existsSync(p)) parts.push(`--- ${f}\n${readFileSync(p, 'utf8').slice(-3000)}`);
    }
    return parts.join('\n');
  };
  let stopped = false;
  const killAll = (signal: NodeJS.Signals): void => {
    // Batch jobs first (children of slurmd's slurmstepd), then the daemons in reverse order of start.
    for (const p of [...procs].reverse()) {
      if (p.pid === undefined || p.exitCode !== null || p.signalCode !== null) continue;
      for (const d of descendants(p.pid).reverse()) {
        try {
          process.kill(d, signal);
        } catch {
          // gone already
        }
      }
      p.kill(signal);
    }
  };
  const onExit = (): void => {
    if (!stopped) killAll('SIGKILL');
  };
  process.on('exit', onExit);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', onExit);
    const env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
    if (existsSync(join(dir, 'slurm.conf')) && procs.length === 3 && procs.every((p) => p.exitCode === null)) {
      // Cancel what is left of the test's jobs and let slurmd's step daemons end them before the daemons go.
      spawnSync('/usr/bin/scancel', ['--user=root'], { env, timeout: 5000 });
      const t0 = Date.now();
      while (Date.now() - t0 < 10_000) {
        const q = spawnSync('/usr/bin/squeue', ['--noheader', '--format=%i'], { env, encoding: 'utf8', timeout: 5000 });
        if (q.status !== 0 || q.stdout.trim() === '') break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    killAll('SIGTERM');
    const exited = Promise.all(procs.map((p) => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r())))));
    const timer = setTimeout(() => killAll('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    started('/usr/sbin/munged', ['-F', '--force', `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${join(dir, 'log', 'munged.log')}`, `--seed-file=${join(dir, 'munge', 'munged.seed')}`], process.env, 'munged.out');
    await waitFor('munged socket', () => existsSync(socket), 10_000, readLogs);

    // This machine as slurmd sees it (NodeName, CPUs, sockets, cores, RealMemory).
    const probe = spawnSync('/usr/sbin/slurmd', ['-C'], { encoding: 'utf8' });
    const nodeLine = (probe.stdout ?? '').split('\n').find((l) => l.startsWith('NodeName='));
    if (!nodeLine) throw new Error(`slurmd -C did not describe this machine: ${probe.stderr}`);
    const node = /^NodeName=(\S+)/.exec(nodeLine)![1]!;
    const [ctldPort, dPort] = [await freePort(), await freePort()];
    const conf = join(dir, 'slurm.conf');
    writeFileSync(conf, [
      'ClusterName=avwtest',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${dPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core_Memory',
      'SchedulerType=sched/backfill',
      'MpiDefault=none',
      'ReturnToService=2',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'JobCompType=jobcomp/none',
      'SlurmctldTimeout=30',
      'SlurmdTimeout=30',
      'InactiveLimit=0',
      'MinJobAge=600',
      'KillWait=5',
      `${nodeLine.trim()} State=UNKNOWN`,
      `PartitionName=avw Nodes=${node} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));
    const env = { ...process.env, SLURM_CONF: conf };
    started('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf], env, 'slurmctld.out');
    started('/usr/sbin/slurmd', ['-D', '-f', conf], env, 'slurmd.out');
    await waitFor('the node to be idle', () => {
      const r = spawnSync('/usr/bin/sinfo', ['--noheader', '--format=%T'], { env, encoding: 'utf8', timeout: 5000 });
      return r.status === 0 && r.stdout.trim() === 'idle';
    }, 30_000, readLogs);
    return { dir, conf, env, node, logs: readLogs, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
