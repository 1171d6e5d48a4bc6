// Enumerates what rk6 exposes to scripts, for tests/js_api.rs to compare with js-api/*.d.ts:
// every built-in module's exports (namespace and default object), the globals, and the
// members of each kind of object the API hands out (responses, selections, kv results...),
// named after the declared type that describes them. Logs one line `PROBE <json>`.
//
// Runs unchanged on k6 v1.1.0 with the `k6/x/kv` and `k6/websockets` imports and the KV part
// removed (which is how the declarations were compared with k6's own runtime).
import * as k6 from 'k6';
import * as k6crypto from 'k6/crypto';
import * as k6data from 'k6/data';
import * as k6encoding from 'k6/encoding';
import * as k6execution from 'k6/execution';
import * as k6html from 'k6/html';
import * as k6http from 'k6/http';
import * as k6metrics from 'k6/metrics';
import * as k6grpc from 'k6/net/grpc';
import * as k6timers from 'k6/timers';
import * as k6kv from 'k6/x/kv';
import * as k6ws from 'k6/ws';
import * as k6expws from 'k6/experimental/websockets';
import * as k6websockets from 'k6/websockets';
import * as k6fs from 'k6/experimental/fs';
import * as k6csv from 'k6/experimental/csv';
import * as k6streams from 'k6/experimental/streams';
import * as k6redis from 'k6/experimental/redis';

const BASE = __ENV.BASE_URL;

const MODULES = {
  k6: k6,
  'k6/crypto': k6crypto,
  'k6/data': k6data,
  'k6/encoding': k6encoding,
  'k6/execution': k6execution,
  'k6/html': k6html,
  'k6/http': k6http,
  'k6/metrics': k6metrics,
  'k6/net/grpc': k6grpc,
  'k6/timers': k6timers,
  'k6/x/kv': k6kv,
  'k6/ws': k6ws,
  'k6/experimental/websockets': k6expws,
  'k6/websockets': k6websockets,
  'k6/experimental/fs': k6fs,
  'k6/experimental/csv': k6csv,
  'k6/experimental/streams': k6streams,
  'k6/experimental/redis': k6redis,
};

export const options = { vus: 1, iterations: 1 };

// Names reachable on an object: its own and its prototypes' (non-enumerable included), up to
// the ECMAScript built-in prototypes, which are the language's and not rk6's API.
const STOP = [Object.prototype, Function.prototype, Array.prototype, Promise.prototype];
function members(obj) {
  const names = new Set();
  for (let o = obj; o !== null && o !== undefined && !STOP.includes(o); o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) {
      if (n !== 'constructor') names.add(n);
    }
  }
  return [...names].sort();
}

function describe(v) {
  const t = typeof v;
  return t === 'string' || t === 'number' || t === 'boolean' ? { type: t, value: v } : { type: t };
}

// Init-context objects (metrics, kv and SharedArray can only be made here).
const metrics = [
  new k6metrics.Counter('probe_counter'),
  new k6metrics.Gauge('probe_gauge'),
  new k6metrics.Rate('probe_rate'),
  new k6metrics.Trend('probe_trend', true),
];
const kv = k6kv.openKv({ backend: 'memory' });
const shared = new k6data.SharedArray('probe', () => [1]);
const grpcClient = new k6grpc.Client();
// The embedded target's own services (src/target/protos), relative to this script.
const grpcMethods = grpcClient.load(['../../src/target/protos'], 'testing.proto');
// k6/experimental/*: files and CSV parsers are opened, and redis clients made, at init.
const probeFile = await k6fs.open('./probe.csv');
const csvParser = new k6csv.Parser(await k6fs.open('./probe.csv'));
const fsError = await k6fs.open('./missing.csv').catch((e) => e);
const redisClient = new k6redis.Client('redis://127.0.0.1:1');
const initGlobals = Object.getOwnPropertyNames(globalThis).sort();

export default async function () {
  const samples = {};
  const add = (type, obj) => {
    (samples[type] = samples[type] || []).push(members(obj));
  };

  const modules = {};
  for (const [name, ns] of Object.entries(MODULES)) {
    const exports = {};
    for (const key of Object.keys(ns)) {
      if (key !== 'default') exports[key] = describe(ns[key]);
    }
    modules[name] = {
      exports,
      hasDefault: Object.keys(ns).includes('default'),
      defaultKeys: ns.default ? Object.keys(ns.default).sort() : null,
    };
  }

  // k6/http
  const res = k6http.get(`${BASE}/get`, { cookies: { sent: 'yes' } });
  add('k6/http.Response', res);
  add('k6/http.RefinedResponse', res);
  add('k6/http.ResponseTimings', res.timings);
  add('k6/http.ResponseRequest', res.request);
  add('k6/http.RequestCookie', res.request.cookies.sent[0]);
  add('k6/http.ResponseOcsp', res.ocsp);
  const binary = k6http.get(`${BASE}/bytes/16`, { responseType: 'binary' });
  add('k6/http.Response', binary);
  add('k6/http.RefinedResponse', binary);
  const setCookie = k6http.get(`${BASE}/cookies/set?got=1`, { redirects: 0 });
  add('k6/http.ResponseCookie', setCookie.cookies.got[0]);
  add('k6/http.CookieJar', k6http.cookieJar());
  add('k6/http.CookieJar', new k6http.CookieJar());
  add('k6/http.FileData', k6http.file('abc'));
  add('k6/http.FileData', k6http.file('abc', 'a.txt', 'text/plain'));

  // k6/html
  const doc = k6html.parseHTML(
    '<html><body><form><input id="i" name="n" value="v"></form><p class="c">t</p></body></html>',
  );
  add('k6/html.Selection', doc);
  add('k6/html.Selection', doc.find('p'));
  add('k6/html.Selection', k6http.get(`${BASE}/html`).html());
  const input = doc.find('input').get(0);
  add('k6/html.Element', input);
  add('k6/html.Element', doc.find('p').get(0));
  add('k6/html.Attribute', input.getAttributeNode('id'));
  add('k6/html.Attribute', input.attributes()['name']);
  add('k6/html.FormValue', doc.find('form').serializeArray()[0]);

  // k6/crypto
  add('k6/crypto.Hasher', k6crypto.createHash('md5'));
  add('k6/crypto.Hasher', k6crypto.createHMAC('sha256', 'key'));

  // k6/metrics: the four classes, and Metric for what they share.
  const names = ['Counter', 'Gauge', 'Rate', 'Trend'];
  metrics.forEach((m, i) => {
    add(`k6/metrics.${names[i]}`, m);
    add('k6/metrics.Metric', m);
  });

  // k6/execution
  add('k6/execution.ScenarioInfo', k6execution.scenario);
  add('k6/execution.InstanceInfo', k6execution.instance);
  add('k6/execution.TestInfo', k6execution.test);
  add('k6/execution.VuInfo', k6execution.vu);
  add('k6/execution.VuInfo.metrics', k6execution.vu.metrics);

  // k6/x/kv
  add('k6/x/kv.KV', kv);
  await kv.set('a', 1);
  await kv.set('b', 2);
  add('k6/x/kv.Entry', (await kv.list())[0]);
  add('k6/x/kv.ScanResult', await kv.scan({ limit: 1 }));
  add('k6/x/kv.GetOrSetResult', await kv.getOrSet('a', 5));
  add('k6/x/kv.GetOrSetResult', await kv.getOrSet('c', 5));
  add('k6/x/kv.SwapResult', await kv.swap('a', 3));
  add('k6/x/kv.SwapResult', await kv.swap('d', 3));
  for (const item of await kv.getMany(['a', 'missing'])) add('k6/x/kv.GetManyItem', item);
  add('k6/x/kv.KV.setMany()', await kv.setMany({ e: 1 }));
  add('k6/x/kv.KV.deleteMany()', await kv.deleteMany(['e', 'missing']));
  add('k6/x/kv.BackupSummary', await kv.backup({ fileName: 'probe.kv' }));
  add('k6/x/kv.RestoreSummary', await kv.restore({ fileName: 'probe.kv' }));
  try {
    await kv.get('missing');
  } catch (err) {
    add('k6/x/kv.KvError', err);
  }

  // k6/ws
  const WS = BASE.replace('http', 'ws');
  const wsRes = k6ws.connect(`${WS}/ws/close/4001`, {}, (socket) => {
    add('k6/ws.Socket', socket);
    socket.on('error', (e) => add('k6/ws.WebSocketError', e));
  });
  add('k6/ws.Response', wsRes);
  add('k6/ws.Response', k6ws.connect(`${WS}/ws/nope`, {}, () => {}));

  // k6/experimental/websockets
  const WSAPI = 'k6/experimental/websockets';
  add(`${WSAPI}.Blob`, new k6expws.Blob(['x'], { type: 'text/plain' }));
  await Promise.all([
    new Promise((resolve) => {
      const sock = new k6expws.WebSocket(`${WS}/ws/echo`);
      add(`${WSAPI}.WebSocket`, sock);
      sock.binaryType = 'blob';
      sock.onopen = (e) => {
        add(`${WSAPI}.Event`, e);
        sock.send(new Uint8Array([1]));
      };
      sock.onmessage = (e) => {
        add(`${WSAPI}.MessageEvent`, e);
        add(`${WSAPI}.Blob`, e.data);
        sock.close();
      };
      sock.onclose = (e) => {
        add(`${WSAPI}.Event`, e);
        resolve();
      };
    }),
    new Promise((resolve) => {
      const refused = new k6expws.WebSocket(`${WS}/ws/nope`);
      refused.onerror = (e) => add(`${WSAPI}.ErrorEvent`, e);
      refused.onclose = resolve;
    }),
  ]);
  // k6/net/grpc
  add('k6/net/grpc.Client', grpcClient);
  add('k6/net/grpc.MethodInfo', grpcMethods[0]);
  grpcClient.connect(BASE.replace(/^http:\/\//, ''), { plaintext: true });
  add('k6/net/grpc.Response', grpcClient.invoke('rk6.Testing/Echo', {}));
  const failed = grpcClient.invoke('rk6.Testing/Fail', { code: 5 });
  add('k6/net/grpc.Response', failed);
  add('k6/net/grpc.StatusError', failed.error);
  add('k6/net/grpc.Response', await grpcClient.asyncInvoke('rk6.Testing/Echo', {}));
  await new Promise((resolve) => {
    const stream = new k6grpc.Stream(grpcClient, 'rk6.Testing/Count');
    add('k6/net/grpc.Stream', stream);
    stream.on('data', (_, meta) => add('k6/net/grpc.EventMetadata', meta));
    stream.on('error', (e, meta) => {
      add('k6/net/grpc.StreamError', e);
      add('k6/net/grpc.EventMetadata', meta);
    });
    stream.on('end', () => resolve());
    stream.write({ count: 1, end: { code: 9 } });
  });
  grpcClient.close();
  // k6/experimental/*
  add('k6/experimental/fs.File', probeFile);
  add('k6/experimental/fs.FileInfo', await probeFile.stat());
  add('k6/experimental/fs.FsError', fsError);
  add('k6/experimental/csv.Parser', csvParser);
  add('k6/experimental/csv.ParseResult', await csvParser.next());
  let controller;
  const stream = new k6streams.ReadableStream({ start(c) { controller = c; c.enqueue(1); } });
  add('k6/experimental/streams.ReadableStream', stream);
  add('k6/experimental/streams.ReadableStreamDefaultController', controller);
  const reader = stream.getReader();
  add('k6/experimental/streams.ReadableStreamDefaultReader', reader);
  add('k6/experimental/streams.ReadResult', await reader.read());
  add('k6/experimental/streams.CountQueuingStrategy', new k6streams.CountQueuingStrategy({ highWaterMark: 1 }));
  add('k6/experimental/redis.Client', redisClient);

  // Globals
  add('global.Console', console);
  add('global.Crypto', crypto);
  add('global.SubtleCrypto', crypto.subtle);
  const hmacKey = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
  const aesKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt']);
  const ecPair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const rsaPair = await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  add('global.RK6CryptoKeyPair', ecPair);
  add('global.RK6CryptoKeyPair', rsaPair);
  const keys = [hmacKey, aesKey, ecPair.privateKey, ecPair.publicKey, rsaPair.privateKey, rsaPair.publicKey];
  for (const key of keys) {
    add('global.RK6CryptoKey', key);
    add('global.RK6CryptoKey.algorithm', key.algorithm);
    add('global.RK6JsonWebKey', await crypto.subtle.exportKey('jwk', key));
    if (key.algorithm.key_algorithm) {
      add('global.RK6CryptoKey.algorithm.key_algorithm', key.algorithm.key_algorithm);
      add('global.RK6AlgorithmName', key.algorithm.key_algorithm.algorithm);
    }
    if (key.algorithm.hash) {
      add('global.RK6CryptoKey.algorithm.hash', key.algorithm.hash);
    }
    add('global.RK6AlgorithmName', key.algorithm.algorithm);
  }
  add('global.RK6AlgorithmName', hmacKey.algorithm.hash.algorithm);

  const result = {
    modules,
    samples,
    initGlobals,
    vuGlobals: Object.getOwnPropertyNames(globalThis).sort(),
    sharedArrayLength: shared.length,
  };
  console.log(`PROBE ${JSON.stringify(result)}`);
}
