//! The JavaScript side: one Boa context per VU, the k6 modules, the event loop.
pub mod bytes;
pub mod commonjs;
pub mod console;
pub mod event_loop;
pub mod gc;
pub mod go_value;
pub mod interrupt;
pub mod loader;
pub mod modules;
pub mod remote;
pub mod runtime;
pub mod setup_data;
pub mod specifier;
pub mod stack;
pub mod typescript;
pub mod util;
pub mod vu;
