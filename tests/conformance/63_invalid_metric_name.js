// A custom metric with an invalid name throws in the init context (exit 107).
import { Counter } from 'k6/metrics';

const bad = new Counter('my-metric');

export default function () {
  bad.add(1);
}
