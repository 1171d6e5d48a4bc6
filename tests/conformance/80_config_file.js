// args: -c {dir}/data/config.json
// Options from a config file (-c): the script's own options win over the file, the file's
// fill in the rest (thresholds, summaryTrendStats, tags).
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  iterations: 5,
};

export default function () {
  const r = http.get(`${__ENV.BASE_URL}/get`);
  check(r, { ok: (x) => x.status === 200 });
}

export function handleSummary(data) {
  return {
    'summary.json': JSON.stringify(data),
    stdout: `vus=${data.options ? 'x' : 'y'} iterations=${data.metrics.iterations.values.count}\n`,
  };
}
