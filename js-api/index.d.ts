// rk6's JavaScript API: every built-in module and global. See README.md.
/// <reference path="./globals.d.ts" />
/// <reference path="./k6.d.ts" />
/// <reference path="./k6-http.d.ts" />
/// <reference path="./k6-metrics.d.ts" />
/// <reference path="./k6-execution.d.ts" />
/// <reference path="./k6-data.d.ts" />
/// <reference path="./k6-encoding.d.ts" />
/// <reference path="./k6-crypto.d.ts" />
/// <reference path="./k6-timers.d.ts" />
/// <reference path="./k6-html.d.ts" />
/// <reference path="./k6-options.d.ts" />
/// <reference path="./k6-x-kv.d.ts" />
/// <reference path="./k6-experimental-fs.d.ts" />
/// <reference path="./k6-experimental-csv.d.ts" />
/// <reference path="./k6-experimental-streams.d.ts" />
/// <reference path="./k6-experimental-redis.d.ts" />
