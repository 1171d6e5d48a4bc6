// Custom metrics: Counter (sum), Gauge (last value), Rate (share of true) and Trend
// (distribution), each with tags and thresholds; they appear in the summary and in outputs.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   rk6 run examples/custom-metrics.js
import http from 'k6/http';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

// Metrics are declared in the init context.
const bytesReceived = new Counter('example_bytes_received');
const lastSize = new Gauge('example_last_size');
const fastResponses = new Rate('example_fast_responses');
const serverTime = new Trend('example_server_time', true); // true: values are durations

export const options = {
  vus: 2,
  iterations: 20,
  thresholds: {
    example_bytes_received: ['count>0'],
    example_fast_responses: ['rate>0.5'],
    example_server_time: ['p(95)<1000'],
    'example_server_time{kind:small}': ['avg<1000'],
  },
};

export default function () {
  const size = 64 * (1 + (__ITER % 4));
  const res = http.get(`${BASE}/bytes/${size}`);
  const kind = size <= 128 ? 'small' : 'large';
  bytesReceived.add(size, { kind });
  lastSize.add(size);
  fastResponses.add(res.timings.duration < 200);
  serverTime.add(res.timings.waiting, { kind });
}
