// gRPC streaming load: every VU holds a bidirectional stream to the embedded target's
// rk6.Testing/Chat and writes a message every 100 ms (the target echoes each one); after 50
// messages it ends the stream and opens the next. CPU per message and memory per VU.
import grpc from 'k6/net/grpc';

export const options = {
  scenarios: {
    streams: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || 200),
      duration: __ENV.DURATION || '30s',
      gracefulStop: '10s',
    },
  },
};

const client = new grpc.Client();
client.load([__ENV.PROTOS || '../../src/target/protos'], 'testing.proto');

export default function () {
  if (__ITER === 0) {
    client.connect(__ENV.TARGET || '127.0.0.1:18082', { plaintext: true });
  }
  const stream = new grpc.Stream(client, 'rk6.Testing/Chat');
  let sent = 0;
  let received = 0;
  stream.on('data', () => {
    received++;
  });
  const timer = setInterval(() => {
    stream.write({ fString: 'ping', fInt64: sent, inner: { text: 'payload', number: __VU } });
    sent++;
    if (sent === 50) {
      clearInterval(timer);
      stream.end();
    }
  }, 100);
  stream.on('end', () => {
    if (received !== sent) {
      console.error(`VU ${__VU}: sent ${sent}, received ${received}`);
    }
  });
}
