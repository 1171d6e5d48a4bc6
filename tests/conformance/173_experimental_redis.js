// services: redis
// k6/experimental/redis against a fresh redis-server: every command of the Client with the
// replies and errors k6 (go-redis) gives, per-VU counters from iterations, and an unreachable
// server. setup() records the results; handleSummary prints them.
import redis from 'k6/experimental/redis';
import exec from 'k6/execution';
import { check } from 'k6';

export const options = {
  scenarios: { count: { executor: 'per-vu-iterations', vus: 3, iterations: 3 } },
  thresholds: { checks: ['rate==1'] },
};

const client = new redis.Client(__ENV.REDIS_URL);
const unreachable = new redis.Client({ socket: { host: '127.0.0.1', port: 1 }, maxRetries: -1 });
const describe = (e) => `${String(e)} | ${JSON.stringify(e)} | ${Object.keys(e).join(',')} | ${e instanceof Error}`;
const init = [`${Object.keys(client).length} ${client.isConnected()}`];

async function record(out, label, op) {
  out.push(`${label}: ${await op().then((v) => `${typeof v} ${JSON.stringify(v)}`, describe)}`);
}

const sorted = (p) => p.then((v) => (Array.isArray(v) ? v.sort() : Object.keys(v).sort().map((k) => `${k}=${v[k]}`)));

export async function setup() {
  const out = [];
  await record(out, 'init', async () => init.join(' '));
  for (const [label, op] of [
    ['set', () => client.set('s', 'v')],
    ['set number', () => client.set('n', 41)],
    ['set float', () => client.set('f', 1.25)],
    ['set bool', () => client.set('b', true)],
    ['set expiring', () => client.set('e', 'x', 100)],
    ['set object', () => client.set('o', { a: 1 })],
    ['set null', () => client.set('o', null)],
    ['get', () => client.get('s')],
    ['get float', () => client.get('f')],
    ['get bool', () => client.get('b')],
    ['get missing', () => client.get('missing')],
    ['getSet', () => client.getSet('s', 'w')],
    ['getDel', () => client.getDel('s')],
    ['getDel again', () => client.getDel('s')],
    ['exists', () => client.exists('n', 'f', 'f', 'missing')],
    ['incr', () => client.incr('n')],
    ['incrBy', () => client.incrBy('n', 10)],
    ['incrBy string', () => client.incrBy('n', '2')],
    ['incrBy float', () => client.incrBy('n', 1.9)],
    ['decr', () => client.decr('n')],
    ['decrBy', () => client.decrBy('n', 5)],
    ['incr not a number', () => client.incr('e')],
    ['mget', () => client.mget('n', 'missing', 'f')],
    ['expire', () => client.expire('n', 50)],
    ['expire missing', () => client.expire('missing', 50)],
    ['ttl', () => client.ttl('n')],
    ['ttl without expiry', () => client.ttl('f')],
    ['ttl missing', () => client.ttl('missing')],
    ['persist', () => client.persist('n')],
    ['persist again', () => client.persist('n')],
    ['del', () => client.del('f', 'missing')],
    ['del array', () => client.del(['b'])],
    ['lpush', () => client.lpush('l', 'a', 2, false)],
    ['rpush', () => client.rpush('l', 'z')],
    ['lpush object', () => client.lpush('l', [])],
    ['lrange', () => client.lrange('l', 0, -1)],
    ['lrange missing', () => client.lrange('missing', 0, -1)],
    ['lindex', () => client.lindex('l', 1)],
    ['lindex out of range', () => client.lindex('l', 99)],
    ['lset', () => client.lset('l', 0, 'q')],
    ['lset out of range', () => client.lset('l', 99, 'q')],
    ['lset missing', () => client.lset('missing', 0, 'q')],
    ['lrem', () => client.lrem('l', 0, 'q')],
    ['lpop', () => client.lpop('l')],
    ['rpop', () => client.rpop('l')],
    ['lpop missing', () => client.lpop('missing')],
    ['llen', () => client.llen('l')],
    ['llen wrong type', () => client.llen('n')],
    ['hset', () => client.hset('h', 'f1', 'v1')],
    ['hset number', () => client.hset('h', 'f2', 2)],
    ['hsetnx existing', () => client.hsetnx('h', 'f1', 'x')],
    ['hsetnx new', () => client.hsetnx('h', 'f3', 'x')],
    ['hget', () => client.hget('h', 'f1')],
    ['hget missing', () => client.hget('h', 'nope')],
    ['hgetall', () => sorted(client.hgetall('h'))],
    ['hgetall missing', () => client.hgetall('missing')],
    ['hkeys', () => sorted(client.hkeys('h'))],
    ['hvals', () => sorted(client.hvals('h'))],
    ['hlen', () => client.hlen('h')],
    ['hincrby', () => client.hincrby('h', 'f2', 5)],
    ['hdel', () => client.hdel('h', 'f1', 'nope')],
    ['sadd', () => client.sadd('set', 'a', 'b', 1)],
    ['srem', () => client.srem('set', 'b', 'nope')],
    ['sismember', () => client.sismember('set', 'a')],
    ['sismember not', () => client.sismember('set', 'q')],
    ['smembers', () => sorted(client.smembers('set'))],
    ['srandmember', async () => typeof (await client.srandmember('set'))],
    ['srandmember missing', () => client.srandmember('missing')],
    ['spop missing', () => client.spop('missing')],
    ['randomKey', async () => typeof (await client.randomKey())],
    ['sendCommand GET', () => client.sendCommand('GET', 'n')],
    ['sendCommand INCRBY', () => client.sendCommand('INCRBY', 'counter', 3)],
    ['sendCommand LRANGE', () => client.sendCommand('LRANGE', 'l', 0, -1)],
    ['sendCommand HGETALL', () => client.sendCommand('HLEN', 'h')],
    ['sendCommand nil', () => client.sendCommand('GET', 'missing')],
    ['sendCommand float', () => client.sendCommand('INCRBYFLOAT', 'fl', 1.5)],
    ['sendCommand unknown', () => client.sendCommand('NOPE')],
    ['sendCommand object', () => client.sendCommand('SET', {})],
    ['sendCommand PING', () => client.sendCommand('PING')],
  ]) {
    await record(out, label, op);
  }
  // A network error's fields (Go's *net.OpError) are rk6's own; its text is k6's.
  out.push(`unreachable: ${await unreachable.get('x').catch((e) => `${String(e)} ${e instanceof Error}`)}`);
  out.push(`connected ${client.isConnected()} ${unreachable.isConnected()}`);
  await client.del('s', 'n', 'f', 'b', 'e', 'l', 'h', 'set', 'counter', 'fl');
  return out;
}

export default async function () {
  const key = `vu:${exec.vu.idInTest}`;
  const n = await client.incr(key);
  check(n, { 'counter grows per VU': (v) => v >= 1 && v <= 3 });
  await client.rpush('all', exec.vu.idInTest);
}

export async function teardown() {
  const len = await client.llen('all');
  check(len, { 'every iteration pushed': (v) => v === 9 });
}

export function handleSummary(data) {
  return { stdout: data.setup_data.join('\n') + '\n' };
}
