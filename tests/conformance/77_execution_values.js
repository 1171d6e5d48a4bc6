// deterministic: iter_index
// k6/execution values written into tags and custom metrics, exec.vu.tags and
// exec.vu.metrics.tags set per iteration; per-vu-iterations keeps which VU runs what fixed.
import http from 'k6/http';
import exec from 'k6/execution';
import { Counter, Trend, Gauge } from 'k6/metrics';

const seen = new Counter('seen');
const iterIdx = new Trend('iter_index');
const vuGauge = new Gauge('vu_id');

export const options = {
  scenarios: {
    main: { executor: 'per-vu-iterations', vus: 3, iterations: 2, tags: { kind: 'main' } },
  },
  thresholds: {
    'seen{vu_id:1}': ['count==2'],
    'seen{vu_id:3}': ['count==2'],
    'seen{iter_in_vu:1}': ['count==3'],
    'iter_index': ['max==5', 'min==0', 'avg==2.5'],
  },
};

export default function () {
  const vu = exec.vu.idInTest;
  exec.vu.tags.phase = exec.vu.iterationInScenario === 0 ? 'warm' : 'hot';
  exec.vu.metrics.tags.shard = `s${vu % 2}`;
  seen.add(1, { vu_id: String(vu), iter_in_vu: String(exec.vu.iterationInInstance) });
  iterIdx.add(exec.scenario.iterationInTest);
  vuGauge.add(exec.instance.vusInitialized);
  http.get(`${__ENV.BASE_URL}/get?vu=${vu}`, {
    tags: { scen: exec.scenario.name, exec: exec.scenario.executor },
  });
  if (exec.vu.tags.kind !== 'main') {
    throw new Error(`scenario tag not visible: ${JSON.stringify(exec.vu.tags)}`);
  }
  delete exec.vu.metrics.tags.shard;
}
