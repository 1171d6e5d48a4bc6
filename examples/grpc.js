// gRPC: .proto files parsed at run time, a unary call with metadata, the three kinds of
// stream, and server reflection, against the embedded target's services.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/grpc.js            (also: BASE_URL=http://host:port)
import grpc from 'k6/net/grpc';
import { check } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
// gRPC shares the target's port (h2c here; over TLS with ALPN h2).
const ADDR = BASE.replace(/^https?:\/\//, '');

export const options = {
  vus: 2,
  iterations: 4,
  thresholds: { checks: ['rate==1'], grpc_req_duration: ['p(95)<500'] },
};

// load() only works in the init context; paths are relative to this script.
const client = new grpc.Client();
client.load(['../src/target/protos'], 'route_guide.proto', 'hello.proto');

/**
 * Resolves once the stream has ended, with the messages it received.
 * @param {grpc.Stream} stream
 * @returns {Promise<any[]>}
 */
function collect(stream) {
  return new Promise((resolve, reject) => {
    /** @type {any[]} */
    const messages = [];
    stream.on('data', (message) => messages.push(message));
    stream.on('error', (e) => reject(new Error(`${e.code}: ${e.message}`)));
    stream.on('end', () => resolve(messages));
  });
}

export default async function () {
  client.connect(ADDR, { plaintext: true });

  // Unary: response fields are in protobuf's JSON mapping (lowerCamelCase, defaults included).
  const res = client.invoke(
    'main.FeatureExplorer/GetFeature',
    { latitude: 410248224, longitude: -747127767 },
    { metadata: { 'x-request-id': `${__VU}-${__ITER}` }, tags: { name: 'get-feature' } },
  );
  check(res, {
    'unary: OK': (r) => r.status === grpc.StatusOK,
    'unary: a named feature': (r) => r.message.name !== '',
  });

  // Server streaming: one request, many responses.
  const listed = new grpc.Stream(client, 'main.FeatureExplorer/ListFeatures');
  const features = collect(listed);
  listed.write({
    lo: { latitude: 400000000, longitude: -750000000 },
    hi: { latitude: 420000000, longitude: -730000000 },
  });
  check(await features, { 'server streaming: features': (f) => f.length > 0 });

  // Client streaming: many requests, one response once the client ends its side.
  const route = new grpc.Stream(client, 'main.RouteGuide/RecordRoute');
  const summary = collect(route);
  route.write({ latitude: 407838351, longitude: -746143763 });
  route.write({ latitude: 408122808, longitude: -743999179 });
  route.end();
  check(await summary, { 'client streaming: 2 points': (s) => s[0].pointCount === 2 });

  // Bidirectional: each note is answered with every note left at its point so far.
  const chat = new grpc.Stream(client, 'main.RouteGuide/RouteChat');
  const notes = collect(chat);
  const here = { latitude: 1, longitude: 2 };
  chat.write({ location: here, message: 'one' });
  chat.write({ location: here, message: 'two' });
  chat.end();
  check(await notes, {
    'bidirectional: 1 + 2 notes': (n) => n.map((m) => m.message).join() === 'one,one,two',
  });
  client.close();

  // Server reflection: no .proto file needed.
  const reflected = new grpc.Client();
  reflected.connect(ADDR, { plaintext: true, reflect: true });
  const hello = await reflected.asyncInvoke('hello.HelloService/SayHello', { greeting: 'rk6' });
  check(hello, { 'reflection: hello rk6': (r) => r.message.reply === 'hello rk6' });
  reflected.close();
}
