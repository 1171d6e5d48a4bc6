// rk6's built-in stand-in for https://jslib.k6.io/k6-summary/0.1.0/index.js (and 0.0.1-0.0.4).
// Written from the library's documented behaviour and checked byte for byte against its
// output on k6 v1.1.0 (tests/handle_summary.rs): textSummary(data, {indent, enableColors}),
// jUnit(data, {name, classname}) and humanizeValue(value, metric, timeUnit).

const SGR = { bold: 1, faint: 2, red: 31, green: 32, cyan: 36 };
const GROUP_MARK = '\u2588';
const DETAIL_MARK = '\u21B3';
const OK_MARK = '\u2713';
const FAIL_MARK = '\u2717';
const DEFAULT_OPTIONS = { indent: ' ', enableColors: true, summaryTimeUnit: null, summaryTrendStats: null };
const TIME_UNITS = { s: { unit: 's', coef: 0.001 }, ms: { unit: 'ms', coef: 1 }, us: { unit: '\u00B5s', coef: 1000 } };

// Visible width: code points after NFKC, ANSI escape sequences not counted.
function strWidth(s) {
  const text = typeof s.normalize === 'function' ? s.normalize('NFKC') : s;
  let inEscape = false;
  let inCsi = false;
  let width = 0;
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '\x1b') { inEscape = true; continue; }
    if (inEscape && ch === '[') { inCsi = true; continue; }
    if (inEscape && inCsi && code >= 64 && code <= 126) { inEscape = false; inCsi = false; continue; }
    if (inEscape && !inCsi && code >= 64 && code <= 95) { inEscape = false; continue; }
    if (!inEscape && !inCsi) width++;
  }
  return width;
}

function hasOwn(obj, key) {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function checkLine(indent, check, decorate) {
  if (check.fails == 0) {
    return decorate(indent + OK_MARK + ' ' + check.name, SGR.green);
  }
  const pct = Math.floor((100 * check.passes) / (check.passes + check.fails));
  return decorate(
    indent + FAIL_MARK + ' ' + check.name + '\n' +
      indent + ' ' + DETAIL_MARK + '  ' + pct + '% \u2014 ' + OK_MARK + ' ' + check.passes + ' / ' + FAIL_MARK + ' ' + check.fails,
    SGR.red,
  );
}

function groupLines(indent, group, decorate) {
  const out = [];
  if (group.name != '') {
    out.push(indent + GROUP_MARK + ' ' + group.name + '\n');
    indent = indent + '  ';
  }
  for (const check of group.checks) out.push(checkLine(indent, check, decorate));
  if (group.checks.length > 0) out.push('');
  for (const sub of group.groups) out.push(...groupLines(indent, sub, decorate));
  return out;
}

// `http_req_duration{status:200}` is shown as `{ status:200 }`, indented under its parent.
function displayName(name) {
  const i = name.indexOf('{');
  return i >= 0 ? '{ ' + name.substring(i + 1, name.length - 1) + ' }' : name;
}

function nameIndent(name) {
  return name.indexOf('{') >= 0 ? '  ' : '';
}

function humanizeBytes(bytes) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
  if (bytes < 10) return bytes + ' B';
  const exp = Math.floor(Math.log(bytes) / Math.log(1000));
  const v = Math.floor((bytes / Math.pow(1000, exp)) * 10 + 0.5) / 10;
  return v.toFixed(v < 10 ? 1 : 0) + ' ' + units[exp | 0];
}

function fixedNoTrailingZeros(v, digits) {
  return parseFloat(v.toFixed(digits)).toString();
}

function truncFixed(v, digits) {
  const p = Math.pow(10, digits);
  return fixedNoTrailingZeros(Math.trunc(p * v) / p, digits);
}

function genericDuration(ms) {
  if (ms === 0) return '0s';
  if (ms < 0.001) return Math.trunc(ms * 1e6) + 'ns';
  if (ms < 1) return truncFixed(ms * 1000, 2) + '\u00B5s';
  if (ms < 1000) return truncFixed(ms, 2) + 'ms';
  let out = truncFixed((ms % 60000) / 1000, ms > 60000 ? 0 : 2) + 's';
  let minutes = Math.trunc(ms / 60000);
  if (minutes < 1) return out;
  out = (minutes % 60) + 'm' + out;
  const hours = Math.trunc(minutes / 60);
  if (hours < 1) return out;
  return hours + 'h' + out;
}

function humanizeDuration(ms, timeUnit) {
  if (timeUnit !== '' && hasOwn(TIME_UNITS, timeUnit)) {
    return (ms * TIME_UNITS[timeUnit].coef).toFixed(2) + TIME_UNITS[timeUnit].unit;
  }
  return genericDuration(ms);
}

export function humanizeValue(value, metric, timeUnit) {
  if (metric.type == 'rate') {
    return (Math.trunc(value * 100 * 100) / 100).toFixed(2) + '%';
  }
  switch (metric.contains) {
    case 'data':
      return humanizeBytes(value);
    case 'time':
      return humanizeDuration(value, timeUnit);
    default:
      return fixedNoTrailingZeros(value, 6);
  }
}

function nonTrendValues(metric, timeUnit) {
  const h = (v) => humanizeValue(v, metric, timeUnit);
  switch (metric.type) {
    case 'counter':
      return [h(metric.values.count), h(metric.values.rate) + '/s'];
    case 'gauge':
      return [h(metric.values.value), 'min=' + h(metric.values.min), 'max=' + h(metric.values.max)];
    case 'rate':
      return [h(metric.values.rate), OK_MARK + ' ' + metric.values.passes, FAIL_MARK + ' ' + metric.values.fails];
    default:
      return ['[no data]'];
  }
}

function metricLines(opts, data, decorate) {
  const indent = opts.indent + '  ';
  const stats = opts.summaryTrendStats;
  const names = [];
  let nameWidth = 0;
  const trendCols = {};
  const trendWidths = new Array(stats.length).fill(0);
  const mainValue = {};
  let mainWidth = 0;
  const extraValues = {};
  const extraWidths = [0, 0];

  for (const name in data.metrics) {
    if (!hasOwn(data.metrics, name)) continue;
    const metric = data.metrics[name];
    names.push(name);
    const w = strWidth(nameIndent(name) + displayName(name));
    if (w > nameWidth) nameWidth = w;
    if (metric.type == 'trend') {
      const cols = [];
      for (let i = 0; i < stats.length; i++) {
        const stat = stats[i];
        let v = metric.values[stat];
        v = stat === 'count' ? v.toString() : humanizeValue(v, metric, opts.summaryTimeUnit);
        const vw = strWidth(v);
        if (vw > trendWidths[i]) trendWidths[i] = vw;
        cols[i] = v;
      }
      trendCols[name] = cols;
      continue;
    }
    const values = nonTrendValues(metric, opts.summaryTimeUnit);
    mainValue[name] = values[0];
    const mw = strWidth(values[0]);
    if (mw > mainWidth) mainWidth = mw;
    extraValues[name] = values.slice(1);
    for (let i = 1; i < values.length; i++) {
      const ew = strWidth(values[i]);
      if (ew > extraWidths[i - 1]) extraWidths[i - 1] = ew;
    }
  }

  // Metric name first, then sub-metrics (tag sets) of the same metric.
  names.sort((a, b) => {
    const baseA = a.split('{', 1)[0];
    const baseB = b.split('{', 1)[0];
    const c = baseA.localeCompare(baseB);
    if (c !== 0) return c;
    return a.substring(baseA.length).localeCompare(b.substring(baseB.length));
  });

  const renderValues = (name) => {
    if (hasOwn(trendCols, name)) {
      const cols = trendCols[name];
      const parts = new Array(stats.length);
      for (let i = 0; i < cols.length; i++) {
        parts[i] = stats[i] + '=' + decorate(cols[i], SGR.cyan) + ' '.repeat(trendWidths[i] - strWidth(cols[i]));
      }
      return parts.join(' ');
    }
    const main = mainValue[name];
    let out = decorate(main, SGR.cyan) + ' '.repeat(mainWidth - strWidth(main));
    const extra = extraValues[name];
    if (extra.length == 1) {
      out = out + ' ' + decorate(extra[0], SGR.cyan, SGR.faint);
    } else if (extra.length > 1) {
      const parts = new Array(extra.length);
      for (let i = 0; i < extra.length; i++) {
        parts[i] = decorate(extra[i], SGR.cyan, SGR.faint) + ' '.repeat(extraWidths[i] - strWidth(extra[i]));
      }
      out = out + ' ' + parts.join(' ');
    }
    return out;
  };

  const lines = [];
  for (const name of names) {
    const metric = data.metrics[name];
    let mark = ' ';
    let color = (s) => s;
    if (metric.thresholds) {
      mark = OK_MARK;
      color = (s) => decorate(s, SGR.green);
      for (const t in metric.thresholds) {
        if (!hasOwn(metric.thresholds, t)) continue;
        if (!metric.thresholds[t].ok) {
          mark = FAIL_MARK;
          color = (s) => decorate(s, SGR.red);
          break;
        }
      }
    }
    const pad = nameIndent(name);
    let shown = displayName(name);
    shown = shown + decorate('.'.repeat(nameWidth - strWidth(shown) - strWidth(pad) + 3) + ':', SGR.faint);
    lines.push(indent + pad + color(mark) + ' ' + shown + ' ' + renderValues(name));
  }
  return lines;
}

export function textSummary(data, options) {
  const opts = Object.assign({}, DEFAULT_OPTIONS, data.options, options);
  let decorate = (text) => text;
  if (opts.enableColors) {
    decorate = (text, ...codes) => '\x1b[' + codes.join(';') + 'm' + text + '\x1b[0m';
  }
  const lines = [];
  lines.push(...groupLines(opts.indent + '    ', data.root_group, decorate));
  lines.push(...metricLines(opts, data, decorate));
  return lines.join('\n');
}

const XML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&quot;' };

function escapeXml(s) {
  return s.replace(/[&<>'"]/g, (c) => XML_ESCAPES[c]);
}

// One <testcase> per threshold; failed thresholds carry the metric's values.
export function jUnit(data, options) {
  const suite = options && options.name ? escapeXml(options.name) : 'k6 thresholds';
  const classname = options && options.classname ? escapeXml(options.classname) : 'Unnamed folder';
  let failures = 0;
  const cases = [];
  for (const [metricName, metric] of Object.entries(data.metrics)) {
    if (!metric.thresholds) continue;
    for (const [source, result] of Object.entries(metric.thresholds)) {
      const name = `${escapeXml(metricName)} - ${escapeXml(source)}`;
      if (result.ok) {
        cases.push(`<testcase name="${name}" classname="${classname}" />`);
      } else {
        failures++;
        const message =
          `${metric.type} threshold failed: ` +
          Object.entries(metric.values).map(([k, v]) => `${k} value: ${v}`).join(', ');
        cases.push(`<testcase name="${name}" classname="${classname}"><failure message="${escapeXml(message)}" /></testcase>`);
      }
    }
  }
  return `<?xml version="1.0"?>
    <testsuites tests="${cases.length}" failures="${failures}">
      <testsuite name="${suite}" tests="${cases.length}" failures="${failures}">
        ${cases.join('\n')}
      </testsuite>
    </testsuites>`;
}

export default { textSummary, jUnit, humanizeValue };
