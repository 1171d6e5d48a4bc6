// k6/net/grpc with server reflection (no .proto file; reflection itself adds no
// grpc_req_duration sample, as in k6), calls in setup() and inside groups (the `group` tag),
// a client connected once for all iterations, and close() twice.
import grpc from 'k6/net/grpc';
import { check, group } from 'k6';

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    checks: ['rate==1'],
    'grpc_req_duration{group:::hello}': ['max>=0'],
    'grpc_req_duration{method:SayHello}': ['max>=0'],
  },
};

const ADDR = __ENV.BASE_URL.replace('http://', '');
const client = new grpc.Client();

export function setup() {
  const c = new grpc.Client();
  c.connect(ADDR, { plaintext: true, reflect: true, reflectMetadata: { 'x-reflect': 'yes' } });
  const res = c.invoke('main.FeatureExplorer/GetFeature', { latitude: 1, longitude: 2 });
  c.close();
  return { name: res.message.name, location: res.message.location };
}

export default function (data) {
  check(data, { 'setup: unnamed feature': (d) => d.name === '' && d.location.latitude === 1 });
  if (__ITER === 0) {
    client.connect(ADDR, { plaintext: true, reflect: true });
  }
  group('hello', () => {
    const res = client.invoke('hello.HelloService/SayHello', { greeting: `iteration ${__ITER}` });
    check(res, { 'hello: reply': (r) => r.message.reply === `hello iteration ${__ITER}` });
    const anonymous = client.invoke('hello.HelloService/SayHello', {});
    check(anonymous, { 'hello: proto2 default': (r) => r.message.reply === 'hello noname' });
  });
  group('testing', () => {
    const res = client.invoke('rk6.Testing/Echo', { fString: 'reflected' });
    check(res, { 'testing: echo': (r) => r.message.fString === 'reflected' });
  });
  if (__ITER === 2) {
    client.close();
    client.close();
  }
}
