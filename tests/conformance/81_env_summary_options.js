// env: K6_SUMMARY_TREND_STATS=avg,min,max,count,p(99.9) K6_SYSTEM_TAGS=status,method,name,group,check,scenario K6_ITERATIONS=4
// deterministic: sizes
// args: --summary-time-unit ms --include-system-env-vars -e GREETING=hi
// K6_* environment variables for trend stats and system tags, --summary-time-unit and
// -e / --include-system-env-vars seen in __ENV and in handleSummary's data.options.
import http from 'k6/http';
import { check, group } from 'k6';
import { Trend } from 'k6/metrics';

const sizes = new Trend('sizes');

export const options = {
  vus: 2,
  thresholds: { 'http_reqs{method:GET}': ['count==4'], sizes: ['avg==20'] },
};

export default function () {
  group('g', () => {
    const r = http.get(`${__ENV.BASE_URL}/get`, { tags: { name: 'get' } });
    check(r, {
      'greeting from -e': () => __ENV.GREETING === 'hi',
      'system env visible': () => typeof __ENV.PATH === 'string' && __ENV.PATH.length > 0,
    });
    sizes.add(__ENV.GREETING.length * 10);
  });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `stats=${data.options.summaryTrendStats.join(',')} unit=${data.options.summaryTimeUnit}\n` +
      `sizes=${JSON.stringify(data.metrics.sizes.values, Object.keys(data.metrics.sizes.values).sort())}\n`,
  };
}
