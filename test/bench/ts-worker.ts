// A worker thread running a TypeScript file: the worker registers tsx itself first (workers do
// not inherit the loader the bench runs under).
import { Worker } from "node:worker_threads";

export function tsWorker(file: URL, workerData: unknown): Worker {
  const boot = `import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register(); await import(${JSON.stringify(file.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData });
}
