// args: --system-tags=name,status,ip,method,vu
// k6/net/grpc under a reduced `systemTags` set: only the enabled system tags reach the gRPC
// samples (`ip` is the server's address, `vu` is metadata, not a tag), for unary calls and
// streams alike.
import grpc from 'k6/net/grpc';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

const ADDR = __ENV.BASE_URL.replace('http://', '');
const client = new grpc.Client();
client.load(['../../src/target/protos'], 'hello.proto', 'testing.proto');

export default async function () {
  client.connect(ADDR, { plaintext: true });
  const res = client.invoke('hello.HelloService/SayHello', { greeting: 'tags' }, { tags: { custom: 'yes' } });
  check(res, { 'hello: OK': (r) => r.status === grpc.StatusOK });
  await new Promise((resolve) => {
    const s = new grpc.Stream(client, 'rk6.Testing/Sum');
    s.on('end', resolve);
    s.write({ value: 1 });
    s.end();
  });
  client.close();
}
