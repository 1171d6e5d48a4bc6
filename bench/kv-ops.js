// Throughput of k6/x/kv operations through the rk6 binary (run by hand, not a test).
//
//   rk6 run -q -e OP=get -e BACKEND=memory -e VUS=10 --summary-export=s.json bench/kv-ops.js
//   ops/s = metrics.kv_ops.rate in s.json
//
// OP: get (random existing key), set (a ~120-byte JSON object on a VU-local key),
//     incrementBy (one hot counter shared by every VU: the worst case for contention).
// BACKEND: memory | disk (KV_PATH, default ./bench.kv). VUS, DURATION (default 10s).
import { Counter } from 'k6/metrics';
import { openKv } from 'k6/x/kv';

const OP = __ENV.OP || 'get';
const KEYS = 1000;
const BATCH = 100; // operations per iteration, so iteration overhead does not dominate

const kv = openKv({
  backend: __ENV.BACKEND || 'memory',
  path: __ENV.KV_PATH || './bench.kv',
});
const ops = new Counter('kv_ops');

export const options = {
  vus: Number(__ENV.VUS || 1),
  duration: __ENV.DURATION || '10s',
};

export async function setup() {
  await kv.clear();
  const entries = {};
  for (let i = 0; i < KEYS; i++) {
    entries[`key:${i}`] = { i, name: `item ${i}`, tags: ['a', 'b'], payload: 'x'.repeat(64) };
  }
  await kv.setMany(entries);
}

export default async function () {
  const base = (__VU * 7919 + __ITER * BATCH) % KEYS;
  if (OP === 'get') {
    for (let i = 0; i < BATCH; i++) await kv.get(`key:${(base + i) % KEYS}`);
  } else if (OP === 'set') {
    for (let i = 0; i < BATCH; i++) {
      await kv.set(`vu:${__VU}:${i}`, { i, vu: __VU, tags: ['a', 'b'], payload: 'x'.repeat(64) });
    }
  } else if (OP === 'incrementBy') {
    for (let i = 0; i < BATCH; i++) await kv.incrementBy('counter', 1);
  } else {
    throw new Error(`unknown OP ${OP}`);
  }
  ops.add(BATCH);
}
