// k6/net/grpc streams against the embedded target: server streaming (messages without their
// default fields, as k6's streams render them), a stream ending with an error status (error,
// then end), client streaming (its one response counted with the `status` tag, as in k6),
// bidirectional, discardResponseMessage, writes after end(), a stream deadline (no
// grpc_req_duration sample), and the route guide of k6's examples.
import grpc from 'k6/net/grpc';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: { checks: ['rate==1'], 'grpc_streams_msgs_received{status:0}': ['count>=1'] },
};

const ADDR = __ENV.BASE_URL.replace('http://', '');
const client = new grpc.Client();
client.load(['../../src/target/protos'], 'testing.proto', 'route_guide.proto');

// k6 hands messages over as Go maps, whose key order varies: compare with sorted keys.
const canon = (v) =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.keys(v).sort().map((k) => [k, canon(v[k])])
    : Array.isArray(v) ? v.map(canon) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));

/** Opens a stream, lets `send` write to it, and resolves with what its listeners saw. */
function run(method, params, send) {
  return new Promise((resolve) => {
    const seen = { events: [], data: [], errors: [] };
    const stream = new grpc.Stream(client, method, params);
    stream.on('data', (message, meta) => {
      seen.events.push('data');
      seen.data.push(message);
      seen.metaOk = typeof meta.ts === 'number';
    });
    stream.on('error', (e) => {
      seen.events.push('error');
      seen.errors.push(e);
    });
    stream.on('end', (nothing) => {
      seen.events.push('end');
      seen.endArg = nothing;
      resolve(seen);
    });
    stream.on('status', () => seen.events.push('status'));
    send(stream);
  });
}

export default async function () {
  client.connect(ADDR, { plaintext: true });

  const counted = await run('rk6.Testing/Count', { tags: { kind: 'count' } }, (s) => s.write({ count: 3 }));
  check(counted, {
    'server streaming: events': (c) => c.events.join() === 'data,data,data,end',
    'server streaming: defaults left out': (c) =>
      same(c.data, [{ text: 'message 0' }, { index: 1, text: 'message 1' }, { index: 2, text: 'message 2' }]),
    'server streaming: listener metadata': (c) => c.metaOk === true,
    'server streaming: end argument': (c) => same(c.endArg, {}),
  });

  const failing = await run('rk6.Testing/Count', null, (s) =>
    s.write({ count: 1, end: { code: 10, message: 'stop here' } }),
  );
  const e = failing.errors[0];
  check(failing, {
    'error status: events': (c) => c.events.join() === 'data,error,end',
    'error status: code object': () => e.code === grpc.StatusAborted && String(e.code) === 'Aborted',
    'error status: fields': () => e.message === 'stop here' && same(e.details, []),
    'error status: error()': () => e.error() === 'code: 10, message: stop here' && String(e) === e.error(),
  });

  const summed = await run('rk6.Testing/Sum', {}, (s) => {
    s.write({ value: 1 });
    s.write({ value: '2' });
    s.write({ value: 3 });
    s.end();
    s.write({ value: 100 });
    s.end();
  });
  check(summed, {
    'client streaming: one response': (c) => c.events.join() === 'data,end',
    'client streaming: writes after end() ignored': (c) => same(c.data, [{ sum: '6', count: 3 }]),
  });

  const chat = await run('rk6.Testing/Chat', { metadata: { 'x-chat': 'yes' } }, (s) => {
    s.write({ fString: 'one' });
    s.write({ fInt64: 7, color: 'GREEN' });
    s.end();
  });
  check(chat, {
    'bidirectional: echoes': (c) => same(c.data, [{ fString: 'one' }, { fInt64: '7', color: 'GREEN' }]),
  });

  const discarded = await run('rk6.Testing/Count', { discardResponseMessage: true }, (s) => s.write({ count: 2 }));
  check(discarded, { 'discard: empty objects': (c) => same(c.data, [{}, {}]) });

  const late = await run('rk6.Testing/Count', { timeout: '300ms' }, (s) =>
    s.write({ count: 3, intervalMs: 1000 }),
  );
  check(late, {
    'deadline: first message, then error and end': (c) => c.events.join() === 'data,error,end',
    'deadline: status': (c) => c.errors[0].code === grpc.StatusDeadlineExceeded,
  });

  const features = await run('main.FeatureExplorer/ListFeatures', null, (s) =>
    s.write({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } }),
  );
  check(features, {
    'route guide: features listed': (c) => c.data.length === 12 && c.data[0].name === 'Patriots Path trailhead',
    'route guide: unnamed feature has no name field': (c) => !('name' in c.data[11]),
  });
  const route = await run('main.RouteGuide/RecordRoute', null, (s) => {
    s.write({ latitude: 407838351, longitude: -746143763 });
    s.write({ latitude: 408122808, longitude: -743999179 });
    s.end();
  });
  check(route, {
    'route guide: summary': (c) => c.data[0].pointCount === 2 && c.data[0].featureCount === 2 && c.data[0].distance > 18000,
  });
  const notes = await run('main.RouteGuide/RouteChat', null, (s) => {
    s.write({ location: { latitude: 1, longitude: 2 }, message: 'a' });
    s.write({ location: { latitude: 1, longitude: 2 }, message: 'b' });
    s.write({ location: { latitude: 3, longitude: 4 }, message: 'c' });
    s.end();
  });
  check(notes, { 'route guide: chat': (c) => c.data.map((n) => n.message).join('') === 'aabc' });
  client.close();
}
