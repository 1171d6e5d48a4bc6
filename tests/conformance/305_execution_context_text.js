// The k6 docs' "execution context variables" example prints k6/execution's objects inside a
// template literal: `${exec.vu.tags}` and `${exec.test.options}` are "[object Object]" there.
// Checks instead of a log line, so the corpus compares the outcome.
import exec from 'k6/execution';
import { check } from 'k6';

export const options = { vus: 1, iterations: 2, tags: { team: 'qa' } };

export default function () {
  const text = `Scenario: ${exec.scenario.name} (${exec.scenario.executor})
VU tags: ${exec.vu.tags}
Metric tags: ${exec.vu.metrics.tags}
Metadata: ${exec.vu.metrics.metadata}
Options: ${exec.test.options}
VU: ${exec.vu.idInTest} iteration ${exec.vu.iterationInScenario}`;
  check(text, {
    'tags print as an object': (t) => t.includes('VU tags: [object Object]'),
    'metric tags print as an object': (t) => t.includes('Metric tags: [object Object]'),
    'options print as an object': (t) => t.includes('Options: [object Object]'),
    'scenario named': (t) => t.includes('Scenario: default (shared-iterations)'),
    'tag readable': () => exec.vu.tags.team === 'qa' && String(exec.vu.tags) === '[object Object]',
    'tags are json': () => JSON.parse(JSON.stringify(exec.vu.tags)).team === 'qa',
  });
}
