//! The built-in k6-utils jslib (https://jslib.k6.io/k6-utils/1.0.0 ... 1.6.0). The same script
//! was run on k6 v1.1.0 with the original k6-utils 1.6.0 vendored locally; its output is
//! `EXPECTED` (random values are checked for range and shape only).

mod common;

use common::*;
use serde_json::Value;

const SCRIPT: &str = r#"import { check } from 'k6';
import exec from 'k6/execution';
import { randomIntBetween, randomItem, randomString, uuidv4, findBetween, normalDistributionStages, parseDuration, getCurrentStageIndex, tagWithCurrentStageProfile, tagWithCurrentStageIndex, check as check2 } from 'https://jslib.k6.io/k6-utils/1.6.0/index.js';
export const options = { scenarios: { s: { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '30s', target: 1 }, { duration: '30s', target: 0 }] } } };
const R = {};
export function setup() {
  const ints = Array.from({ length: 200 }, () => randomIntBetween(3, 5));
  R.intsRange = [Math.min(...ints), Math.max(...ints)];
  R.item = ['a', 'b'].includes(randomItem(['a', 'b']));
  R.str = /^[a-z]{12}$/.test(randomString(12));
  R.strCharset = /^[xy]{8}$/.test(randomString(8, 'xy'));
  R.uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4());
  R.uuidSecure = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uuidv4(true));
  R.between = findBetween('<a>1</a><a>2</a>', '<a>', '</a>');
  R.betweenAll = findBetween('<a>1</a><a>2</a>', '<a>', '</a>', true);
  R.betweenNone = findBetween('xyz', '<a>', '</a>');
  R.stages = normalDistributionStages(100, 60, 5);
  R.durations = ['1h2m3s', '1.5m', '250ms', '2d', '10', '1m30s500ms'].map(parseDuration);
  try { parseDuration('5x'); } catch (e) { R.badUnit = e.message; }
  try { parseDuration('1s2s'); } catch (e) { R.twice = e.message; }
  return R;
}
export default function () {
  const idx = getCurrentStageIndex();
  tagWithCurrentStageIndex();
  tagWithCurrentStageProfile();
  check(null, { [`stage=${idx} tag=${exec.vu.tags.stage} profile=${exec.vu.tags.stage_profile}`]: () => true });
  const r = check2(1, { 'utils check': (v) => v === 1 });
  check(null, { [`utils check returned ${r}`]: () => true });
  exec.test.abort();
}
export function handleSummary(data) {
  return { 'utils.json': JSON.stringify({ setup: data.setup_data, checks: data.root_group.checks.map((c) => c.name), checksMetric: data.metrics.checks.values }) };
}
"#;

/// k6 v1.1.0's output for SCRIPT (exit code 108: the script aborts after one iteration).
const EXPECTED: &str = r#"{"setup":{"intsRange":[3,5],"item":true,"str":true,"twice":"s time unit is provided multiple times","uuid":true,"badUnit":"x is an unsupported time unit","between":"1","betweenAll":["1","2"],"betweenNone":null,"durations":[3723000,90000,250,172800000,10,90500],"stages":[{"duration":"10s","target":15},{"duration":"8s","target":53},{"duration":"8s","target":100},{"duration":"8s","target":100},{"duration":"8s","target":53},{"duration":"8s","target":15},{"duration":"10s","target":0}],"strCharset":true,"uuidSecure":true},"checks":["stage=0 tag=0 profile=ramp-up","utils check","utils check returned true"],"checksMetric":{"rate":1,"passes":3,"fails":0}}"#;

#[test]
fn k6_utils_matches_k6() {
    let ws = Workspace::new();
    let r = run_script(&ws, SCRIPT, &[], &[]);
    assert_eq!(r.code, 108, "{}", r.stderr);
    let got: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path("utils.json")).unwrap_or_default())
            .unwrap_or(Value::Null);
    let want: Value = serde_json::from_str(EXPECTED).unwrap_or(Value::Null);
    assert_eq!(got, want);
}

const SMOKE: &str = "import { randomIntBetween, uuidv4 } from 'https://jslib.k6.io/k6-utils/VERSION/index.js';
export const options = { iterations: 1 };
export default function () { if (randomIntBetween(1, 1) !== 1 || uuidv4().length !== 36) throw new Error('bad'); }
";

#[test]
fn every_k6_utils_version_resolves() {
    for v in [
        "1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0", "1.6.0",
    ] {
        let ws = Workspace::new();
        let script = SMOKE.replace("VERSION", v);
        let r = run_script(&ws, &script, &[], &[]);
        assert_eq!(r.code, 0, "{v}: {}", r.stderr);
        assert!(!r.stderr.contains("level=error"), "{v}: {}", r.stderr);
    }
}
