// Producer/consumer over the shared key-value store `k6/x/kv`: one scenario produces tokens,
// a second one (starting a little later, overlapping the first) consumes them, and teardown
// checks that every token was consumed exactly once. Needs no network.
//
//   rk6 run examples/kv-producer-consumer.js
//   rk6 run -e KV_BACKEND=disk -e KV_PATH=/tmp/tokens.kv examples/kv-producer-consumer.js
//
// The same file runs on k6 built with xk6-kv (`xk6 build --with github.com/oshokin/xk6-kv`).
import { check, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { openKv } from 'k6/x/kv';

const TOKENS = Number(__ENV.TOKENS || 500);

// One store for the whole test, shared by every VU of every scenario.
const kv = openKv({
  backend: __ENV.KV_BACKEND || 'memory',
  path: __ENV.KV_PATH || './.k6.kv',
});

const consumed = new Counter('tokens_consumed');
const consumedTwice = new Counter('tokens_consumed_twice');

export const options = {
  scenarios: {
    produce: {
      executor: 'shared-iterations',
      exec: 'produce',
      vus: 5,
      iterations: TOKENS,
      maxDuration: '2m',
    },
    consume: {
      executor: 'per-vu-iterations',
      exec: 'consume',
      vus: 10,
      iterations: 1,
      startTime: '200ms',
      maxDuration: '2m',
    },
  },
  thresholds: {
    checks: ['rate==1'],
  },
};

export async function setup() {
  // A disk store keeps its data between runs: start from an empty one.
  await kv.clear();
}

// One token per iteration; `incrementBy` hands out unique ids even across VUs.
export async function produce() {
  const id = await kv.incrementBy('produced', 1);
  await kv.set(`token:${String(id).padStart(8, '0')}`, { id, producer: __VU });
}

// Each consumer VU takes tokens until all of them are gone. Two ways to claim a token
// atomically: deleteIfExists (whoever deletes it owns it) and compareAndDelete (delete it only
// if it still holds the value we read). Losing a race just means trying another token.
export async function consume() {
  for (;;) {
    const key = await kv.randomKey({ prefix: 'token:' });
    if (key === '') {
      if ((await kv.incrementBy('consumed', 0)) >= TOKENS) {
        return;
      }
      sleep(0.01); // nothing to take yet: the producers are behind
      continue;
    }
    let taken;
    if (__VU % 2 === 0) {
      taken = await kv.deleteIfExists(key);
    } else {
      let value;
      try {
        value = await kv.get(key);
      } catch (err) {
        // Rejections carry plain { name, message } objects.
        const kvErr = /** @type {import('k6/x/kv').KvError} */ (err);
        if (kvErr.name === 'KeyNotFoundError') {
          continue; // another consumer took it between randomKey and get
        }
        throw err;
      }
      taken = await kv.compareAndDelete(key, value);
    }
    if (!taken) {
      continue;
    }
    consumed.add(1);
    if ((await kv.incrementBy(`consumed:${key}`, 1)) !== 1) {
      consumedTwice.add(1);
    }
    await kv.incrementBy('consumed', 1);
  }
}

export async function teardown() {
  const done = await kv.list({ prefix: 'consumed:token:' });
  const left = await kv.size();
  const ok = check(done, {
    'every token was consumed': (d) => d.length === TOKENS,
    'no token was consumed twice': (d) => d.every((e) => e.value === 1),
    'only the counters are left': () => left === 2 + TOKENS,
  });
  if (!ok) {
    throw new Error(`consumed ${done.length} of ${TOKENS} tokens; ${left} keys left`);
  }
}
