// Thresholds on metrics and sub-metrics that never get a sample: k6 evaluates each
// aggregation on empty data (a Rate with no samples passes 'rate>0.9', a Counter fails
// 'count>0', a Trend fails 'avg>1' but passes 'p(95)<1'); the run exits 99.
import { Rate, Counter, Gauge, Trend } from 'k6/metrics';
const r = new Rate('r_never'); const c = new Counter('c_never'); const g = new Gauge('g_never'); const t = new Trend('t_never');
const r2 = new Rate('r_some');
export const options = { iterations: 1, thresholds: {
  r_never: ['rate>0.9'], 'r_some{x:none}': ['rate<0.1', 'rate>0.1'], c_never: ['count>0', 'count==0', 'rate>0'], g_never: ['value>0', 'value==0'], t_never: ['p(95)<1', 'avg>1', 'max==0', 'med<1'],
  'checks{none:x}': ['rate==0'], 'http_reqs{x:y}': ['count<1'],
} };
export default function () { r2.add(1); }
