import { Trend, Counter, Gauge } from 'k6/metrics';
const t = new Trend('my_trend'); const tt = new Trend('my_time', true); const d = new Counter('my_data_c');
export const options = { iterations: 1, thresholds: { my_time: ['p(99)<5000', 'avg<10'] } };
export default function () { for (let i=1;i<=1000;i++) { t.add(i/7); tt.add(i*123.456); } }
function hs_(data) { return {'hs4.json': JSON.stringify(data, null, 1)}; }
