//! Shared by the end-to-end tests: a real `stepd serve` child process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A running server; dropping it kills it with SIGKILL (a crash, not a shutdown).
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `stepd serve` on `data` and waits for its "listening on URL" line.
#[allow(dead_code)] // not every test binary uses it
pub fn server(data: &std::path::Path) -> Server {
    server_with(data, &["--listen", "127.0.0.1:0"])
}

/// Starts `stepd serve` on `data` with other arguments (`--listen` among them).
#[allow(dead_code)] // not every test binary uses it
pub fn server_with(data: &std::path::Path, args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepd"))
        .arg("serve")
        .args(args)
        .arg("--data")
        .arg(data)
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn stepd serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read the listening line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("server said: {line:?}"))
        .to_string();
    Server { child, url }
}
