//! A small HTTP/1.1 server on 127.0.0.1 that answers like the WAYSCloud key API, as a
//! test scripts it, and records every request it gets.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// What the server got: (method, path, bearer token).
pub type Seen = (String, String, String);

type Script = dyn Fn(&str, &str, &str, usize) -> Reply + Send + Sync;

pub struct FakeApi {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    auth_headers: Arc<Mutex<Vec<String>>>,
}

impl FakeApi {
    /// Starts a server answering `script(token, n)` to the n-th request (from 0)
    /// carrying that bearer token.
    pub fn start(script: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> FakeApi {
        FakeApi::start_routes(move |_, _, token, n| script(token, n))
    }

    /// Starts a server answering `script(method, path, token, n)`.
    pub fn start_routes(script: impl Fn(&str, &str, &str, usize) -> Reply + Send + Sync + 'static) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let recorded = seen.clone();
        let auth_headers: Arc<Mutex<Vec<String>>> = Arc::default();
        let all_headers = auth_headers.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (script, counts, recorded) = (script.clone(), counts.clone(), recorded.clone());
                let headers = all_headers.clone();
                std::thread::spawn(move || {
                    let Some((request_line, head)) = read_head(&stream) else {
                        return;
                    };
                    let (mut token, mut header) = (String::new(), "");
                    for line in &head {
                        if let Some((name, value)) = line.split_once(':') {
                            if name.eq_ignore_ascii_case("authorization") {
                                token = value.trim().trim_start_matches("Bearer ").to_string();
                                header = "authorization";
                            } else if name.eq_ignore_ascii_case("x-api-key") {
                                token = value.trim().to_string();
                                header = "x-api-key";
                            }
                        }
                    }
                    let mut parts = request_line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("").to_string();
                    let n = {
                        let mut counts = counts.lock().unwrap();
                        let n = counts.entry(token.clone()).or_insert(0);
                        *n += 1;
                        *n - 1
                    };
                    let reply = script(&method, &path, &token, n);
                    {
                        // One lock around both, so the two lists stay in step.
                        let mut recorded = recorded.lock().unwrap();
                        recorded.push((method, path, token.clone()));
                        headers.lock().unwrap().push(header.to_string());
                    }
                    std::thread::sleep(reply.delay);
                    let mut head = format!(
                        "HTTP/1.1 {} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n",
                        reply.status
                    );
                    for (name, value) in &reply.headers {
                        head.push_str(&format!("{name}: {value}\r\n"));
                    }
                    head.push_str("\r\n");
                    let _ = stream.write_all(head.as_bytes());
                });
            }
        });
        FakeApi {
            url,
            seen,
            auth_headers,
        }
    }

    /// The header each request carried its credential in (`authorization`,
    /// `x-api-key`, or empty), in the order of `seen`.
    pub fn auth_headers(&self) -> Vec<String> {
        self.auth_headers.lock().unwrap().clone()
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests carried `token`.
    pub fn count(&self, token: &str) -> usize {
        self.seen().iter().filter(|(_, _, t)| t == token).count()
    }
}

/// A request's head: its request line and its header lines, up to the blank line
/// that ends them (the fakes read no bodies). None when nothing could be read.
fn read_head(stream: &TcpStream) -> Option<(String, Vec<String>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            return Some((request_line, head));
        }
        head.push(line);
    }
}

/// Serves the files under `root` over HTTP/1.1 on 127.0.0.1 until the test process
/// ends; returns its URL. The listener is bound before the URL is handed out, so a
/// client can never race the server's start or another test for the port (a
/// `python3 -m http.server` on a port picked beforehand could lose both races on a
/// loaded CI machine).
pub fn serve_dir(root: std::path::PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let Some((request_line, _)) = read_head(&stream) else {
                continue;
            };
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let file = (!path.contains(".."))
                .then(|| std::fs::read(root.join(path.trim_start_matches('/'))).ok())
                .flatten();
            let (status, body) = match file {
                Some(body) => ("200 OK", body),
                None => ("404 Not Found", Vec::new()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}
