// k6/net/grpc unary calls against the embedded target's rk6.Testing service: protojson both
// ways (every field kind, well-known types, defaults and nulls), metadata in and out (binary
// too), failed statuses, discardResponseMessage, the `tags` parameter (a custom `name`
// keeps the system tags), a deadline (no grpc_req_duration sample, as in k6), asyncInvoke,
// and the exceptions of bad arguments.
import grpc from 'k6/net/grpc';
import { check } from 'k6';

export const options = {
  vus: 1,
  iterations: 2,
  thresholds: {
    'grpc_req_duration{status:0}': ['max>=0'],
    'grpc_req_duration{status:5}': ['max>=0'],
    'grpc_req_duration{name:custom}': ['max>=0'],
    checks: ['rate==1'],
  },
};

const ADDR = __ENV.BASE_URL.replace('http://', '');
const client = new grpc.Client();
const methods = client.load(['../../src/target/protos'], 'testing.proto');

// k6 hands messages over as Go maps, whose key order varies: compare with sorted keys.
const canon = (v) =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.keys(v).sort().map((k) => [k, canon(v[k])])
    : Array.isArray(v) ? v.map(canon) : v;
const same = (a, b) => JSON.stringify(canon(a)) === JSON.stringify(canon(b));
const threw = (f) => {
  try {
    f();
    return 'no exception';
  } catch (e) {
    return String(e);
  }
};

export default async function () {
  check(methods, {
    'load: methods': (m) => m.map((x) => x.full_method).join() ===
      '/rk6.Testing/Echo,/rk6.Testing/Fail,/rk6.Testing/Count,/rk6.Testing/Sum,/rk6.Testing/Chat',
    'load: streaming flags': (m) => m[2].is_server_stream && !m[2].is_client_stream && m[3].is_client_stream,
    'load: package and service': (m) => m[0].package === 'rk6' && m[0].service === 'Testing' && m[0].name === 'Echo',
  });
  check(null, {
    'invoke before connect': () =>
      threw(() => client.invoke('rk6.Testing/Echo', {})) ===
      'GoError: no gRPC connection, you must call connect first',
  });
  client.connect(ADDR, { plaintext: true, timeout: '5s' });

  const empty = client.invoke('rk6.Testing/Echo', {});
  const m = empty.message;
  check(empty, {
    'empty: OK': (r) => r.status === grpc.StatusOK && r.error === null,
    'empty: scalar defaults': () => m.fDouble === 0 && m.fInt32 === 0 && m.fBool === false && m.fString === '',
    'empty: 64-bit defaults are strings': () => m.fInt64 === '0' && m.fUint64 === '0' && m.fSfixed64 === '0',
    'empty: enum default by name': () => m.color === 'COLOR_UNSPECIFIED',
    'empty: unset messages are null': () => m.inner === null && m.at === null && m.wrappedString === null,
    'empty: repeated and maps empty': () => same(m.strings, []) && same(m.labels, {}) && same(m.byNumber, {}),
    'empty: oneof and optional absent': () => !('choiceText' in m) && !('choiceNumber' in m) && !('maybe' in m),
    'empty: json_name': () => m.customName === '',
    'empty: content-type header': (r) => same(r.headers['content-type'], ['application/grpc']),
  });

  const full = client.invoke('rk6.Testing/Echo', {
    fDouble: 1.5, fFloat: 0.1, fInt32: -3, fInt64: '9007199254740993', fUint32: 4000000000,
    fUint64: '18446744073709551615', fSint32: -7, fSint64: -8, fFixed32: 9, fFixed64: 10,
    fSfixed32: -11, fSfixed64: -12, fBool: true, fString: 'héllo', fBytes: 'aGVsbG8=',
    color: 'RED', inner: { text: 'in', number: 2 }, strings: ['a', 'b'], inners: [{ text: 'x' }],
    int64s: [1, '2'], colors: ['GREEN', 1], labels: { k: 'v', a: 'b' }, byNumber: { 5: { text: 'five' } },
    choiceNumber: 42, maybe: '', at: '2024-01-02T03:04:05.5Z', took: '1.5s', wrappedString: 'w',
    wrappedInt64: '64', details: { a: [1, 'x', null, true] }, anyValue: 3, mask: 'fDouble,inner.text',
    extra: { '@type': 'type.googleapis.com/rk6.Number', value: '5' }, nothing: {}, customName: 'r',
  }).message;
  check(full, {
    'full: numbers': (f) => f.fDouble === 1.5 && f.fFloat === 0.1 && f.fInt32 === -3 && f.fUint32 === 4000000000,
    'full: 64-bit as strings': (f) => f.fInt64 === '9007199254740993' && f.fUint64 === '18446744073709551615' && f.fSint64 === '-8',
    'full: bytes base64': (f) => f.fBytes === 'aGVsbG8=',
    'full: enums by name': (f) => f.color === 'RED' && same(f.colors, ['GREEN', 'RED']),
    'full: nested defaults': (f) => same(f.inners, [{ text: 'x', number: 0 }]),
    'full: maps': (f) => same(f.byNumber, { 5: { text: 'five', number: 0 } }) && f.labels.k === 'v',
    'full: oneof and optional set': (f) => f.choiceNumber === 42 && f.maybe === '' && !('choiceText' in f),
    'full: well-known types': (f) =>
      f.at === '2024-01-02T03:04:05.500Z' && f.took === '1.500s' && f.wrappedString === 'w' &&
      f.wrappedInt64 === '64' && same(f.details, { a: [1, 'x', null, true] }) && f.anyValue === 3 &&
      f.mask === 'fDouble,inner.text' && same(f.nothing, {}),
    'full: Any': (f) => f.extra['@type'] === 'type.googleapis.com/rk6.Number' && f.extra.value === '5',
    'full: proto field names accepted': () => client.invoke('rk6.Testing/Echo', { f_int32: 5 }).message.fInt32 === 5,
    'full: enum numbers kept when unknown': () => client.invoke('rk6.Testing/Echo', { color: 7 }).message.color === 7,
  });

  const echoed = client.invoke('rk6.Testing/Echo', {}, {
    metadata: { 'x-plain': 'text', 'X-Upper': 'U', 'x-raw-bin': new Uint8Array([104, 105]), other: 'not echoed' },
  });
  check(echoed, {
    'metadata: echoed as headers': (r) => same(r.headers['x-plain'], ['text']) && same(r.headers['x-upper'], ['U']),
    'metadata: binary decoded': (r) => same(r.headers['x-raw-bin'], ['hi']),
    'metadata: echoed as trailers': (r) => same(r.trailers['x-plain'], ['text']),
    'metadata: others not echoed': (r) => !('other' in r.headers),
  });

  const failed = client.invoke('rk6.Testing/Fail', { code: 5, message: 'not here' });
  check(failed, {
    'fail: status': (r) => r.status === grpc.StatusNotFound,
    'fail: error object': (r) => r.error.code === 5 && r.error.message === 'not here' && same(r.error.details, []),
    // Status codes are Go values in k6: objects equal to the constants, printed as names.
    'fail: status is a code object': (r) => typeof r.status === 'object' && r.status == 5 && r.status !== 5,
    'fail: status prints as its name': (r) => String(r.status) === 'NotFound' && `${r.status}` === 'NotFound',
    'fail: status as a number': (r) => JSON.stringify(r.status) === '5' && r.status + 1 === 6 && r.status instanceof Number,
    'fail: empty message': (r) => same(r.message, {}),
    'fail: trailers-only response': (r) => same(r.headers, {}) && same(r.trailers['content-type'], ['application/grpc']),
  });

  const discarded = client.invoke('rk6.Testing/Echo', { fInt32: 1 }, { discardResponseMessage: true });
  check(discarded, { 'discard: null message': (r) => r.message === null && r.status === grpc.StatusOK });
  const named = client.invoke('rk6.Testing/Echo', {}, { tags: { name: 'custom', kind: 'tagged' } });
  check(named, { 'tags: call made': (r) => r.status === grpc.StatusOK });

  const late = client.invoke('rk6.Testing/Fail', { delayMs: 1500 }, { timeout: '100ms' });
  check(late, {
    'deadline: status 4': (r) => r.status === grpc.StatusDeadlineExceeded,
    'deadline: error': (r) => r.error.code === 4 && r.error.message === 'context deadline exceeded',
    'deadline: no metadata': (r) => same(r.headers, {}) && same(r.trailers, {}),
  });

  const asyncRes = await client.asyncInvoke('rk6.Testing/Fail', { code: 7, message: 'denied' });
  check(asyncRes, {
    'asyncInvoke: resolves with the failure': (r) => r.status === grpc.StatusPermissionDenied && r.error.message === 'denied',
  });
  let rejection = 'none';
  await client.asyncInvoke('rk6.Testing/Nope', {}).catch((e) => {
    rejection = String(e);
  });
  check(rejection, { 'asyncInvoke: rejects': (r) => r === 'method "/rk6.Testing/Nope" not found in file descriptors' });

  check(grpc, {
    'constants are code objects': (g) => typeof g.StatusOK === 'object' && g.StatusOK == 0 && String(g.StatusUnauthenticated) === 'Unauthenticated',
  });
  check(null, {
    'unknown method': () => threw(() => client.invoke('rk6.Testing/Nope', {})) ===
      'GoError: method "/rk6.Testing/Nope" not found in file descriptors',
    'empty method': () => threw(() => client.invoke('', {})) === 'GoError: method to invoke cannot be empty',
    'unknown param': () => threw(() => client.invoke('rk6.Testing/Echo', {}, { foo: 1 })) ===
      'GoError: invalid GRPC\'s client.invoke() parameters: unknown param: "foo"',
    'string metadata for -bin': () => threw(() => client.invoke('rk6.Testing/Echo', {}, { metadata: { 'a-bin': 'x' } })) ===
      'GoError: invalid GRPC\'s client.invoke() parameters: invalid metadata param: "a-bin" value must be binary',
    'no request': () => threw(() => client.invoke('rk6.Testing/Echo')) === 'GoError: request cannot be nil',
    'unknown field': () => threw(() => client.invoke('rk6.Testing/Echo', { nope: 1 }))
      .startsWith('GoError: unable to serialise request object to protocol buffer: '),
    'load outside init': () => threw(() => client.load([], 'testing.proto')) === 'GoError: load must be called in the init context',
    'bad connect param': () => threw(() => client.connect(ADDR, { plaintext: 'yes' })) ===
      'GoError: invalid grpc.connect() parameters: invalid plaintext value: \'"yes"\', it needs to be boolean',
    'missing port': () => threw(() => client.connect('127.0.0.1', { plaintext: true })) ===
      'GoError: connection error: desc = "transport: error while dialing: address 127.0.0.1: missing port in address"',
    'refused': () => threw(() => client.connect('127.0.0.1:1', { plaintext: true })) ===
      'GoError: connection error: desc = "transport: error while dialing: dial tcp 127.0.0.1:1: connect: connection refused"',
  });
  client.close();
}
