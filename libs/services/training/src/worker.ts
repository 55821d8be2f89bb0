// The training worker thread (bundled by tools/build.mjs into dist/libs/services/training/worker.js).
// It trains one job off the event loop that answers RPCs, reporting each epoch with a
// checkpoint, then evaluates on the test split and returns the model bundle.
import { parentPort } from 'node:worker_threads';
import { initBackend } from '@cityml/ml';
import { runTraining } from './train/run';
import type { StartMessage, WorkerMessage } from './train/protocol';

if (!parentPort) throw new Error('worker.ts must run in a worker thread');
const port = parentPort;
void initBackend().catch(() => undefined); // load TF.js while the job's tensors download

port.once('message', (msg: StartMessage) => {
  const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  runTraining(msg, post).then(
    () => port.close(),
    (err: Error & { permanent?: boolean }) => {
      post({ type: 'error', message: err?.message ?? String(err), permanent: err?.permanent ?? false });
      port.close();
    },
  );
});
