// A threshold method the metric type does not support (count on a Trend) is a config error.
import { Trend } from 'k6/metrics';

const t = new Trend('my_trend');

export const options = { iterations: 1, thresholds: { my_trend: ['count>0'] } };

export default function () {
  t.add(1);
}
