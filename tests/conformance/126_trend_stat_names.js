// deterministic: latency_budget
// summaryTrendStats with unusual percentiles (p(99.99), p(0.1), p(100), p(50)) and count:
// the stat names in the summary export and handleSummary data, and thresholds using them.
import { Trend } from 'k6/metrics';

const budget = new Trend('latency_budget');

export const options = {
  vus: 1,
  iterations: 20,
  summaryTrendStats: ['avg', 'p(99.99)', 'p(0.1)', 'p(100)', 'p(50)', 'count', 'med'],
  thresholds: { latency_budget: ['p(99.99)<200', 'p(0.1)>=1', 'p(50)<100'] },
};

export default function () {
  budget.add((__ITER % 7) * 13 + 1);
}

export function handleSummary(data) {
  const v = data.metrics.latency_budget.values;
  return {
    stdout: Object.keys(v).sort().map((k) => `${k}=${v[k]}`).join(' ') + '\n',
    'summary.json': JSON.stringify(data),
  };
}
