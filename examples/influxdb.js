// Sending results to InfluxDB (1.x, 2.x or Amazon Timestream for InfluxDB) with k6's layout,
// so dashboards built for k6's InfluxDB output work unchanged. The output is chosen on the
// command line and configured with environment variables.
//
//   rk6 target --listen 127.0.0.1:8080 &
//   # InfluxDB 1.x: database "k6" (created if missing), optional user:pass@ in the URL
//   rk6 run --out influxdb=http://127.0.0.1:8086/k6 examples/influxdb.js
//
//   # InfluxDB 2.x / Timestream for InfluxDB: organization, bucket and token
//   K6_INFLUXDB_ORGANIZATION=acme K6_INFLUXDB_BUCKET=k6 K6_INFLUXDB_TOKEN=... \
//     rk6 run --out influxdb=https://influx.example.com:8086 examples/influxdb.js
//
//   # tuning: K6_INFLUXDB_PUSH_INTERVAL=1s K6_INFLUXDB_TAGS_AS_FIELDS=vu:int,iter:int,url
//
// Without --out, the script runs like any other.
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Trend } from 'k6/metrics';

const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';
// A custom metric: its own measurement in InfluxDB.
const jsonSize = new Trend('json_size');

export const options = {
  vus: 2,
  duration: '3s',
  tags: { testid: __ENV.TEST_ID || 'influxdb-example' },
  thresholds: { checks: ['rate==1'] },
};

export default function () {
  group('api', () => {
    const res = http.get(`${BASE}/json`, { tags: { name: 'json' } });
    check(res, { 'status is 200': (r) => r.status === 200 });
    jsonSize.add((res.body || '').length);
  });
  sleep(0.1);
}
