// A malformed threshold expression is a configuration error.
export const options = { iterations: 1, thresholds: { iterations: ['count=>1'] } };

export default function () {}
