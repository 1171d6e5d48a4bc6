// Edge values on custom metrics: zero, negative, booleans, numeric strings, non-string tags.
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
import { check } from 'k6';

const c = new Counter('edge_counter');
const g = new Gauge('edge_gauge');
const r = new Rate('edge_rate');
const t = new Trend('edge_trend');

export const options = { vus: 1, iterations: 2 };

function attempt(name, fn) {
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
  }
  check(threw, { [`${name} threw`]: (x) => x === true, [`${name} accepted`]: (x) => x === false });
}

export default function () {
  attempt('counter zero', () => c.add(0));
  attempt('counter negative', () => c.add(-1));
  attempt('counter string', () => c.add('3'));
  attempt('counter bool', () => c.add(true));
  attempt('gauge zero', () => g.add(0));
  attempt('rate number', () => r.add(5));
  attempt('rate zero', () => r.add(0));
  attempt('rate string', () => r.add(''));
  attempt('trend string', () => t.add('12'));
  attempt('trend NaN', () => t.add(NaN));
  attempt('numeric tag', () => c.add(1, { n: 1, b: true }));
  attempt('add returns', () => {
    if (c.add(1) !== undefined && c.add(1) !== true) throw new Error('unexpected');
  });
}
