import { parentPort, workerData } from 'node:worker_threads';
import type { EngineReply, EngineRequest, EngineWorkerData } from './engine-runner';
import { AnalysisPipeline } from './pipeline';
import type { AnalysisResult, Analyzer } from './types';
import { analyzeUrl } from './url/url-analysis';

/**
 * Entry point of an engine thread (started by EngineRunner). Loads the analyzers once, then runs
 * one analysis per request: progress is streamed back, the result returns with the files' bytes
 * moved (transferred), not copied. The thread runs under resourceLimits and a wall-clock timeout
 * enforced by the runner, which terminates it: nothing here has to be cooperative.
 */

if (!parentPort) throw new Error('engine.worker.ts runs as a worker thread (see EngineRunner)');
const port = parentPort;
const { analyzers: source } = workerData as EngineWorkerData;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const factory = require(source.module)[source.exportName] as (() => Analyzer[]) | undefined;
if (typeof factory !== 'function') throw new Error(`${source.module} does not export a function ${source.exportName}`);
const pipeline = new AnalysisPipeline(factory());

const send = (reply: EngineReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

/**
 * The result with each file's bytes in an ArrayBuffer of its own, and those buffers, for the
 * transfer list. A view over part of a larger buffer (an archive member sliced from its archive,
 * a pooled Buffer) is copied once here; a whole buffer moves as it is.
 */
function transferable(result: AnalysisResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const file of result.files) {
    let data = file.data;
    const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    if (!whole || buffers.has(data.buffer as ArrayBuffer)) {
      data = new Uint8Array(data); // a copy of the view only
      file.data = data;
    }
    buffers.add(data.buffer as ArrayBuffer);
  }
  return [...buffers];
}

port.on('message', (request: EngineRequest) => {
  const onProgress = (percent: number, message: string) => send({ type: 'progress', id: request.id, percent, message });
  const run = request.type === 'file'
    ? pipeline.analyze({ name: request.name, data: request.data }, request.options, onProgress)
    : analyzeUrl(pipeline, request.input, request.options, onProgress);
  run.then(
    (result) => {
      const transfer = transferable(result);
      try {
        send({ type: 'result', id: request.id, result }, transfer);
      } catch {
        // Something an analyzer put in its facts does not survive structured cloning (a function,
        // a class instance): keep their JSON form.
        for (const file of result.files) file.resources = JSON.parse(JSON.stringify(file.resources)) as Record<string, unknown>;
        send({ type: 'result', id: request.id, result }, transfer);
      }
    },
    (err: unknown) => send({ type: 'error', id: request.id, message: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});

send({ type: 'ready' });
