// deterministic: score
// Every threshold aggregation on deterministic values: p(99.9), p(0), p(100), med, avg, min,
// max, count, rate, value, with whitespace and both verdicts (exit 99).
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';

const score = new Trend('score');
const items = new Counter('items');
const level = new Gauge('level');
const success = new Rate('success');

export const options = {
  vus: 1,
  iterations: 10,
  thresholds: {
    score: ['p(99.9) < 100', 'p(0)==1', 'p(100)>=100', 'med == 25.5', ' avg<30 ', 'min>0', 'max<=100', 'count==10', 'p(50)>30'],
    items: ['count == 55', 'rate > 0', 'count<50'],
    level: ['value==10', 'value < 5'],
    success: ['rate>=0.7', 'rate == 0.7'],
  },
};

export default function () {
  const i = __ITER + 1;
  score.add(i === 10 ? 100 : i * i);
  items.add(i);
  level.add(i);
  success.add(i % 10 < 7 && i !== 10 ? 1 : 0);
}
