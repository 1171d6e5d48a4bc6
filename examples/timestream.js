// Sending results to Amazon Timestream. The script itself is ordinary: the output is chosen
// on the command line, and configured with environment variables (or options.ext) — it
// needs the database and table, a region and AWS credentials from the standard chain.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   export AWS_REGION=eu-west-1                  # credentials: env, profile, SSO, IMDS...
//   rk6 run --out timestream=loadtests.k6 examples/timestream.js
//
//   # or everything from the environment, creating the database/table when missing:
//   K6_TIMESTREAM_DATABASE_NAME=loadtests K6_TIMESTREAM_TABLE_NAME=k6 \
//   K6_TIMESTREAM_CREATE_IF_MISSING=true K6_TIMESTREAM_RECORD_FORMAT=multi \
//     rk6 run --out timestream examples/timestream.js
//
//   # against a local emulator (moto): K6_TIMESTREAM_ENDPOINT=http://127.0.0.1:5000
//
// Tags set here (test-wide `tags`, per-request tags) become Timestream dimensions; keep their
// values low-cardinality. Without --out, the script runs like any other.
import http from 'k6/http';
import { check, sleep } from 'k6';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';

export const options = {
  vus: 2,
  duration: '3s',
  tags: { testid: __ENV.TEST_ID || 'timestream-example' },
  thresholds: { checks: ['rate==1'] },
};

export default function () {
  const res = http.get(`${BASE}/get`, { tags: { name: 'get' } });
  check(res, { 'status is 200': (r) => r.status === 200 });
  sleep(0.1);
}
