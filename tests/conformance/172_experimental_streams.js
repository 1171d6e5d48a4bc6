// k6/experimental/streams: ReadableStream with start/pull/cancel, queuing strategies,
// backpressure (desiredSize), readers, locking, errors, and a timer-fed stream read in
// iterations.
import { ReadableStream, CountQueuingStrategy, ReadableStreamDefaultReader } from 'k6/experimental/streams';
import { check } from 'k6';
import { setTimeout } from 'k6/timers';
import { Counter } from 'k6/metrics';

export const options = { vus: 2, iterations: 4, thresholds: { checks: ['rate==1'], chunks: ['count==20'] } };

const chunks = new Counter('chunks');
const seen = [];
const describe = (e) => `${String(e)} | ${JSON.stringify(e)} | ${e instanceof Error} ${e instanceof TypeError} ${e instanceof RangeError}`;
const attempt = (label, fn) => {
  try {
    seen.push(`${label}: ok ${typeof fn()}`);
  } catch (e) {
    seen.push(`${label}: ${describe(e)}`);
  }
};

let controller;
const s = new ReadableStream({ start(c) { controller = c; c.enqueue('a'); } });
seen.push(`${Object.keys(s)} ${s.locked} ${JSON.stringify(s)} ${s instanceof ReadableStream}`);
seen.push(`controller ${Object.keys(controller)} ${controller.desiredSize} ${JSON.stringify(controller)}`);
const r = s.getReader();
seen.push(`reader ${Object.keys(r)} locked=${s.locked} ${r instanceof ReadableStreamDefaultReader}`);
const q = new CountQueuingStrategy({ highWaterMark: 3 });
seen.push(`strategy ${JSON.stringify(q)} ${q.size('x')}`);
seen.push(`read ${JSON.stringify(await r.read())}`);
seen.push(`cancel locked: ${await s.cancel('x').then(() => 'ok', describe)}`);
controller.enqueue('b');
controller.close();
seen.push(`read ${JSON.stringify(await r.read())} ${JSON.stringify(await r.read())} closed=${await r.closed}`);
r.releaseLock();
seen.push(`released: ${await r.read().then(() => 'ok', describe)} locked=${s.locked}`);

attempt('bytes', () => new ReadableStream({ type: 'bytes' }));
attempt('bad type', () => new ReadableStream({ type: 'x' }));
attempt('not an object', () => new ReadableStream(5));
attempt('negative hwm', () => new ReadableStream({}, { highWaterMark: -1 }));
attempt('string hwm', () => new ReadableStream({}, { highWaterMark: '1' }));
attempt('size not a function', () => new ReadableStream({}, { highWaterMark: 1, size: 1 }));
attempt('start not a function', () => new ReadableStream({ start: 1 }));
attempt('start throws', () => new ReadableStream({ start() { throw new Error('boom'); } }));
attempt('strategy without hwm', () => new CountQueuingStrategy({}));
attempt('byob', () => new ReadableStream().getReader({ mode: 'byob' }));
attempt('tee', () => new ReadableStream().tee());
attempt('reader of a non-stream', () => new ReadableStreamDefaultReader({}));
attempt('second reader', () => { const x = new ReadableStream(); x.getReader(); x.getReader(); });
attempt('enqueue after close', () => new ReadableStream({ start(c) { c.close(); c.enqueue(1); } }));

const sizes = [];
new ReadableStream({
  start(c) { sizes.push(c.desiredSize); c.enqueue('abc'); sizes.push(c.desiredSize); c.enqueue('de'); sizes.push(c.desiredSize); },
}, { highWaterMark: 10, size: (chunk) => chunk.length });
seen.push(`sizes ${sizes}`);
const errored = new ReadableStream({ start(c) { c.error(new RangeError('bad')); } });
seen.push(`errored: ${await errored.getReader().read().then(() => 'ok', describe)}`);
const pullThrows = new ReadableStream({ pull() { throw 'pull failed'; } });
seen.push(`pull throws: ${await pullThrows.getReader().read().then(() => 'ok', describe)}`);
let reason;
const cancellable = new ReadableStream({ cancel(why) { reason = why; } });
seen.push(`cancel: ${await cancellable.cancel('enough')} ${reason}`);
let pulls = 0;
const pulled = new ReadableStream({ pull(c) { pulls += 1; if (pulls > 3) c.close(); else c.enqueue(pulls); } }, new CountQueuingStrategy({ highWaterMark: 2 }));
const got = [];
for (const reader = pulled.getReader(); ;) {
  const { done, value } = await reader.read();
  if (done) break;
  got.push(value);
}
seen.push(`pulled ${got} after ${pulls} pulls`);

function ticker(n) {
  let i = 0;
  return new ReadableStream({
    start(c) {
      const tick = () => {
        if (i < n) {
          c.enqueue(++i);
          setTimeout(tick, 5);
          return;
        }
        c.close();
      };
      setTimeout(tick, 5);
    },
  });
}

export default async function () {
  const reader = ticker(5).getReader();
  const values = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.add(1);
    values.push(value);
  }
  check(values, { 'ticks in order': (v) => v.join() === '1,2,3,4,5' });
}

export function handleSummary() {
  return { stdout: seen.join('\n') + '\n' };
}
