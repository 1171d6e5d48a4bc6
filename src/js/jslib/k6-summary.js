export function textSummary(data, opts) { return ''; }
