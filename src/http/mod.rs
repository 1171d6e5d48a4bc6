//! The HTTP client behind `k6/http`: transport, k6 error codes, wire-level measurement, and the
//! request/response pieces k6 defines (URLs, cookies, bodies, codings, digest auth, debug dumps).
pub mod blocklist;
pub mod compression;
pub mod cookies;
pub mod debug;
pub mod digest;
pub mod download;
pub mod errors;
pub mod form;
pub mod gjson;
pub mod hosts;
pub mod local_ips;
pub mod proxy;
pub mod rate_limit;
pub mod timed_io;
pub mod transport;
pub mod url;
