import * as tf from '@tensorflow/tfjs';

/** The backends libs/ml can run on, best first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** What a backend can train. */
export interface BackendCapabilities {
  /** Conv1D needs Conv2DBackpropFilter, missing on wasm 4.22 (tfjs issue 8474). */
  conv1d: boolean;
  /** Embedding needs UnsortedSegmentSum, missing on wasm 4.22 (tfjs issue 8082). */
  embedding: boolean;
}

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** Force a backend instead of the best available one (tests use 'cpu' or 'wasm'). */
  prefer?: BackendName;
}

let ready: Promise<BackendName> | undefined;

function tryRequire(name: string): unknown {
  try {
    // a computed name keeps bundlers from resolving an optional dependency at build time
    return require(name);
  } catch {
    return undefined;
  }
}

async function tryTensorflow(): Promise<boolean> {
  if (!tryRequire(['@tensorflow', 'tfjs-node'].join('/'))) return false;
  return tf.setBackend('tensorflow').catch(() => false);
}

async function tryWasm(): Promise<boolean> {
  const wasm = tryRequire('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm') | undefined;
  if (!wasm) return false;
  try {
    if (typeof process !== 'undefined' && process.versions?.node) {
      const path = require('node:path') as typeof import('node:path');
      const main = require.resolve('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.dirname(main) + path.sep);
    }
    tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function choose(prefer?: BackendName): Promise<BackendName> {
  const order: BackendName[] = prefer ? [prefer, 'cpu'] : ['tensorflow', 'wasm', 'cpu'];
  for (const name of order) {
    if (name === 'tensorflow' && (await tryTensorflow())) return name;
    if (name === 'wasm' && (await tryWasm())) return name;
    if (name === 'cpu' && (await tf.setBackend('cpu'))) return name;
  }
  throw new Error('no TF.js backend could be initialized');
}

/**
 * Picks and initializes the TF.js backend once: `@tensorflow/tfjs-node` when it can be
 * required, else `@tensorflow/tfjs-backend-wasm` (SIMD on, threads off; in Node the .wasm
 * files load from the package's dist directory), else 'cpu'. Idempotent: later calls
 * return the first call's backend.
 * @returns the backend name ('tensorflow', 'wasm' or 'cpu').
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendName> {
  ready ??= choose(options.prefer).then(async (name) => {
    await tf.ready();
    return name;
  });
  return ready;
}

/** The active backend's name (as tf.getBackend() reports it). */
export function currentBackend(): string {
  return tf.getBackend();
}

/** What a backend can train; unknown backends are assumed complete. */
export function backendCapabilities(name: string = tf.getBackend()): BackendCapabilities {
  const wasm = name === 'wasm';
  return { conv1d: !wasm, embedding: !wasm };
}
