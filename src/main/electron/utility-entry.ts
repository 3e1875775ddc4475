// The utility-process side of runInUtilityProcess: the first message starts a job, a later one may cancel it.
import { serveJob, type JobControlMessage } from '../../core/jobs/job-host.js';

const parent = process.parentPort;
const controller = new AbortController();
let started = false;
parent.on('message', (e: { data: JobControlMessage }) => {
  const m = e.data;
  if (m.type === 'cancel') controller.abort();
  else if (m.type === 'start' && !started) {
    started = true;
    // Structured clone copies typed arrays here (utility ports transfer only MessagePorts).
    void serveJob({ postMessage: (msg) => parent.postMessage(msg) }, m.kind, m.params, controller.signal);
  }
});
