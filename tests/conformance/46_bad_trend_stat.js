// An invalid summaryTrendStats entry fails the run (k6 exits 255... or as k6 does).
export const options = { iterations: 1, summaryTrendStats: ['avg', 'p(abc)'] };

export default function () {}
