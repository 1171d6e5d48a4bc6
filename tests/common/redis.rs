//! Redis servers for the `k6/experimental/redis` tests: Debian's `redis-server` (installed by
//! `.ci/setup-outputs.sh`; `$RK6_REDIS_SERVER` overrides the binary) started on free 127.0.0.1
//! ports in a temporary directory, without persistence, stopped when dropped.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `redis-server` binary, or `None` (with a loud message) when it is not installed.
pub fn redis_server_binary() -> Option<PathBuf> {
    let bin = std::env::var("RK6_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
    let found = Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!(
            "\n!!! SKIPPED: {bin} not found; run .ci/setup-outputs.sh (installs redis-server) !!!\n"
        );
        return None;
    }
    Some(bin.into())
}

/// A free TCP port on 127.0.0.1 (free when asked; the server binds it right after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct RedisServer {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl RedisServer {
    /// A plain server on a free port (extra `redis-server` arguments after the defaults).
    pub fn start(extra: &[&str]) -> Option<RedisServer> {
        let port = free_port();
        let port_s = port.to_string();
        let mut args = vec!["--port", &port_s];
        args.extend_from_slice(extra);
        Self::start_with(port, &args, ping)
    }

    /// A server started with exactly `args`, ready when `ready(port)` says so.
    pub fn start_with(
        port: u16,
        args: &[&str],
        ready: impl Fn(u16) -> bool,
    ) -> Option<RedisServer> {
        let bin = redis_server_binary()?;
        let dir = tempfile::tempdir().expect("temp dir");
        let child = Command::new(bin)
            .args(args)
            .args([
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        let server = RedisServer { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready(port) {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not become ready"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(server)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one inline command and returns the raw reply (empty when the server is not there).
pub fn command(port: u16, line: &str) -> String {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(format!("{line}\r\n").as_bytes()).is_err() {
        return String::new();
    }
    let mut buf = [0u8; 65536];
    let n = s.read(&mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).to_string()
}

pub fn ping(port: u16) -> bool {
    command(port, "PING").starts_with("+PONG")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}
