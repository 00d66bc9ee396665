// `node --import ./test/support/record-modules.js ...` appends the URL of every module the
// process loads (ES modules and the CommonJS packages they import) to $RECORD_MODULES_FILE,
// one per line. The same file is the loader hook: registered from the main thread, run in
// the hooks thread.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

let file;
if (isMainThread) register(import.meta.url, { data: { file: process.env.RECORD_MODULES_FILE } });

export function initialize(data) {
  file = data.file;
}

export async function load(url, context, nextLoad) {
  if (file) appendFileSync(file, `${url}\n`);
  return nextLoad(url, context);
}
