// Deterministic custom trends and counters; several threshold methods, some failing.
import { Counter, Trend, Gauge } from 'k6/metrics';

const tries = new Counter('tries');
const score = new Trend('score');
const level = new Gauge('level');

export const options = {
  vus: 1,
  iterations: 10,
  thresholds: {
    tries: ['count==20', 'rate>0'],
    score: ['avg==5.5', 'min==1', 'max==10', 'med==5.5', 'p(90)<=9.1', 'p(50)>100'],
    'score{parity:even}': ['avg==6'],
    level: ['value==10', 'value<5'],
  },
};

export default function () {
  const i = __ITER + 1;
  tries.add(2);
  score.add(i, { parity: i % 2 === 0 ? 'even' : 'odd' });
  level.add(i);
}
