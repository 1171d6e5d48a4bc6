import { Counter, Gauge, Trend } from 'k6/metrics';
const g = new Gauge('neg_gauge');
const names = ['B_m', 'a_m', 'a1', 'a_z', 'A_m', 'aa', 'Ab', 'a0', 'zz'];
const cs = names.map(n => new Counter(n));
const t = new Trend('sub_trend');
export const options = { iterations: 1, thresholds: { checks: ['rate>0.5'], 'sub_trend{b:"x y"}': ['max<1'], 'sub_trend{a:1}': ['max<1'], 'sub_trend{A:1}': ['max<1'], 'sub_trend{_:1}': ['max<1'], 'sub_trend{ab:1}': ['max<1'] , 'sub_trend{a_:1}': ['max<1'] } };
export default function () { g.add(-5); g.add(-7); cs.forEach(c => c.add(1)); t.add(1, {a: '1', b: 'x y', A: '1', _: '1', ab: '1', a_: '1'}); }
