//! `crosscart serve` as a user runs it: the real binary, a real SQLite file, HTTP on loopback.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crosscart"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run crosscart");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.trim().strip_prefix("crosscart listening on http://").unwrap_or_else(|| panic!("unexpected first line {line:?}")).to_owned();
    (Running(child), addr)
}

fn get(addr: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = resp.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

#[test]
fn serve_demo_seeds_an_empty_database_once_and_answers_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested/dir/shop.db");
    let db = db.to_str().unwrap();
    {
        let (_server, addr) = start(&["serve", "--addr", "127.0.0.1:0", "--demo", "--database", db]);
        let (status, body) = get(&addr, "/health");
        assert_eq!(status, 200, "{body}");
        let (status, body) = get(&addr, "/v1/products/aperture-x100");
        assert_eq!(status, 200);
        assert!(body.contains("\"title\":\"Aperture X100 Mirrorless Camera\""));
    }
    // A second start on the same file keeps the data and does not seed twice.
    let (_server, addr) = start(&["serve", "--addr", "127.0.0.1:0", "--demo", "--database", &format!("sqlite://{db}")]);
    let (_, body) = get(&addr, "/v1/products");
    assert_eq!(body.matches("\"handle\":\"aperture-x100\"").count(), 1);
}

#[test]
fn clear_errors_for_bad_arguments() {
    let out = Command::new(env!("CARGO_BIN_EXE_crosscart"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", "postgres://localhost/shop"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PostgreSQL storage is not available"));
    let out = Command::new(env!("CARGO_BIN_EXE_crosscart")).args(["serve", "--currency", "euro"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ISO 4217"));
}
