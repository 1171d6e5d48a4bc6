//! rk6: runs k6 test scripts unmodified on a Rust engine.
pub mod alloc;
pub mod api;
pub mod archive;
pub mod distributed;
pub mod executor;
pub mod go_strconv;
pub mod grpc;
pub mod http;
pub mod js;
pub mod kv;
pub mod metrics;
pub mod options;
pub mod output;
pub mod progress;
pub mod runner;
pub mod target;
pub mod tls;
