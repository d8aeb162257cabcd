//! One key, one question to the API: is it live? The request, the rules for where it
//! may go, and what each answer means.

use super::{Status, Verification, VerifyError};
pub use crate::engine::rules::Auth;
use std::net::IpAddr;
use std::time::Duration;
use ureq::http::Uri;

/// The documented API.
pub const DEFAULT_API: &str = "https://api.wayscloud.services";

/// Where keys may be sent: https anywhere, plain http only to this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiBase(String);

impl ApiBase {
    /// Checks a base URL given by the user (`--api-url`, `WAYSCLOUD_API_URL`).
    pub fn parse(url: &str) -> Result<ApiBase, VerifyError> {
        let url = url.trim().trim_end_matches('/');
        let bad = |reason| VerifyError::ApiUrl {
            url: url.to_string(),
            reason,
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("expected https://host"))?;
        let authority = rest.split('/').next().unwrap_or("");
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("expected https://host[:port][/path], without credentials"));
        }
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        // The base must be a URI the http library reads the same way: paths are
        // joined onto it with that library (see `join`).
        let uri: Uri = url.parse().map_err(|_| bad("not a valid URL"))?;
        if uri.query().is_some() || url.contains('#') {
            return Err(bad("expected https://host[:port][/path], without a query or fragment"));
        }
        match scheme.to_ascii_lowercase().as_str() {
            "https" => Ok(ApiBase(url.to_string())),
            "http" if is_loopback(host) => Ok(ApiBase(url.to_string())),
            "http" => Err(bad(
                "plain http is allowed only to this machine (127.0.0.1, ::1, localhost); keys go over https",
            )),
            _ => Err(bad("expected https://")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A rule's API `path` under this base. Built by the http library from the
    /// base's scheme and authority, which the path cannot change: the request goes
    /// to the host the user chose whatever the path holds (rule loading also checks
    /// paths are plain absolute paths; this is the second wall).
    pub fn join(&self, path: &str) -> Result<String, VerifyError> {
        let refused = || VerifyError::ApiPath { path: path.to_string() };
        let base: Uri = self.0.parse().map_err(|_| refused())?;
        let (Some(scheme), Some(authority)) = (base.scheme(), base.authority()) else {
            return Err(refused());
        };
        if !path.starts_with('/') || path.starts_with("//") || path.contains(['?', '#', '@', '\\']) {
            return Err(refused());
        }
        let joined = Uri::builder()
            .scheme(scheme.clone())
            .authority(authority.clone())
            .path_and_query(format!("{}{path}", base.path().trim_end_matches('/')))
            .build()
            .map_err(|_| refused())?;
        match joined.authority() == Some(authority) && joined.scheme() == Some(scheme) {
            true => Ok(joined.to_string()),
            false => Err(refused()),
        }
    }

    /// Whether the API is on this machine (a test server, a local mock).
    fn is_loopback(&self) -> bool {
        let authority = self
            .0
            .split_once("://")
            .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
        };
        is_loopback(host)
    }

    /// The proxy requests to this API go through: the first of `ALL_PROXY`,
    /// `HTTPS_PROXY`, `HTTP_PROXY` (or their lower-case forms) in the environment of
    /// the person running wayscan, unless `NO_PROXY` names the host; never for an API
    /// on this machine, whose plain http would show the key to the proxy. Over https
    /// the proxy relays the encrypted connection (CONNECT) and sees only the host.
    /// Nothing in a scanned repository reaches the environment.
    pub fn proxy(&self) -> Option<ureq::Proxy> {
        match self.is_loopback() {
            true => None,
            false => ureq::Proxy::try_from_env(),
        }
    }

    /// What to tell the user about the proxy keys go through, without its
    /// credentials; `None` when there is none.
    pub fn proxy_note(&self) -> Option<String> {
        let proxy = self.proxy()?;
        Some(format!(
            "requests to the key API {} go through the proxy {}:{} (from ALL_PROXY/HTTPS_PROXY/HTTP_PROXY; NO_PROXY or unsetting them goes direct)",
            self.0,
            proxy.host(),
            proxy.port()
        ))
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Bounds on one key's requests.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub timeout: Duration,
    /// Attempts in all, for answers worth another try (429, 5xx, no connection).
    pub attempts: u32,
    /// The longest `Retry-After` obeyed; a longer one leaves the key unknown.
    pub max_retry_after: Duration,
}

/// A client for `api` (through the proxy [`ApiBase::proxy`] says) that never follows redirects (a key or a token must not reach another
/// host) and verifies certificates (rustls with the Mozilla roots); every request
/// ends within `timeout`.
pub fn agent(api: &ApiBase, timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .proxy(api.proxy())
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .max_redirects_will_error(false)
        .http_status_as_error(false)
        .user_agent(concat!("wayscan/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// What one attempt gave.
enum Attempt {
    Done(Verification),
    /// Worth trying again, after this long.
    Again(Duration, Verification),
}

/// One live check: where to ask, with which key, sent how.
#[derive(Debug, Clone)]
pub struct Request {
    pub url: String,
    pub key: String,
    pub auth: Auth,
    /// The key's own service (empty for credentials that have none, such as PATs).
    pub service: String,
    /// The service the URL belongs to.
    pub checked: String,
}

/// Asks whether the request's key is live, within `limits`; `wait` runs before each
/// attempt (the global rate limit).
pub fn check(agent: &ureq::Agent, request: &Request, limits: &Limits, wait: &dyn Fn()) -> Verification {
    let mut backoff = Duration::from_millis(500);
    let mut last = None;
    for attempt in 1..=limits.attempts.max(1) {
        wait();
        match once(agent, request, limits) {
            Attempt::Done(verification) => return verification,
            Attempt::Again(after, verification) => {
                last = Some(verification);
                if attempt < limits.attempts {
                    std::thread::sleep(after.max(backoff));
                    backoff *= 2;
                }
            }
        }
    }
    last.unwrap_or_else(|| unknown(None, "no answer".into()))
}

fn once(agent: &ureq::Agent, request: &Request, limits: &Limits) -> Attempt {
    let (service, checked) = (&request.service, &request.checked);
    let get = agent.get(&request.url);
    let response = match request.auth {
        Auth::Bearer => get.header("Authorization", format!("Bearer {}", request.key)),
        Auth::XApiKey => get.header("X-API-Key", &request.key),
    }
    .call();
    let response = match response {
        Ok(response) => response,
        // The message names the URL or the cause, never the request's headers.
        Err(ureq::Error::Timeout(_)) => {
            return Attempt::Done(unknown(
                None,
                format!("no answer within {} s", limits.timeout.as_secs_f32()),
            ))
        }
        Err(e) => return Attempt::Again(Duration::ZERO, unknown(None, format!("cannot reach the API: {e}"))),
    };
    let code = response.status().as_u16();
    let verification = |status, detail: String| Verification {
        status,
        http_status: Some(code),
        checked_at: super::now(),
        detail,
        cached: false,
    };
    match code {
        200..=299 => Attempt::Done(verification(
            Status::Live,
            format!("the key authenticates ({checked} answered {code})"),
        )),
        403 => Attempt::Done(verification(
            Status::Live,
            if service.is_empty() {
                format!("the credential authenticates, but may not use {checked} (403)")
            } else if service == checked {
                format!("the key authenticates, but {checked} is not enabled for it")
            } else {
                format!("the key authenticates; it is a {service} key, not enabled for {checked}")
            },
        )),
        401 => Attempt::Done(verification(Status::Revoked, "invalid or revoked (401)".into())),
        429 => {
            let after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            match after {
                Some(after) if after > limits.max_retry_after => Attempt::Done(verification(
                    Status::Unknown,
                    format!("rate limited; the API asked to wait {} s", after.as_secs()),
                )),
                after => Attempt::Again(
                    after.unwrap_or(Duration::from_secs(1)),
                    verification(Status::Unknown, "rate limited (429)".into()),
                ),
            }
        }
        500..=599 => Attempt::Again(
            Duration::ZERO,
            verification(Status::Unknown, format!("the API failed ({code})")),
        ),
        300..=399 => Attempt::Done(verification(
            Status::Unknown,
            format!("the API redirected ({code}); redirects are never followed with a key"),
        )),
        _ => Attempt::Done(verification(Status::Unknown, format!("unexpected answer {code}"))),
    }
}

fn unknown(http_status: Option<u16>, detail: String) -> Verification {
    Verification {
        status: Status::Unknown,
        http_status,
        checked_at: super::now(),
        detail,
        cached: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_joined_under_the_base_and_never_change_its_host() {
        let base = ApiBase::parse("https://api.example.com/").unwrap();
        assert_eq!(base.join("/v1/keys").unwrap(), "https://api.example.com/v1/keys");
        let prefixed = ApiBase::parse("http://127.0.0.1:8080/wc").unwrap();
        assert_eq!(prefixed.join("/v1/keys").unwrap(), "http://127.0.0.1:8080/wc/v1/keys");
        for bad in [
            "@evil.example/x",
            "//evil.example/x",
            "/x?to=evil",
            "/x#f",
            "/a@b",
            "v1/keys",
            "/\\evil",
        ] {
            assert!(base.join(bad).is_err(), "{bad}");
        }
        assert!(ApiBase::parse("https://api.example.com/?x=1").is_err());
        assert_eq!(ApiBase::parse("http://localhost:9").unwrap().proxy_note(), None);
    }

    #[test]
    fn keys_go_over_https_or_to_this_machine_only() {
        assert_eq!(ApiBase::parse(DEFAULT_API).unwrap().as_str(), DEFAULT_API);
        assert_eq!(
            ApiBase::parse("https://api.example/v2/").unwrap().as_str(),
            "https://api.example/v2"
        );
        for local in [
            "http://127.0.0.1:8080",
            "http://localhost:1",
            "http://[::1]:9",
            "http://127.1.2.3",
        ] {
            assert!(ApiBase::parse(local).is_ok(), "{local}");
        }
        for bad in [
            "http://api.wayscloud.services",
            "http://10.0.0.1",
            "http://127.0.0.1.evil.example",
            "ftp://127.0.0.1",
            "https://user:pw@host",
            "api.wayscloud.services",
            "https://",
        ] {
            assert!(ApiBase::parse(bad).is_err(), "{bad}");
        }
    }
}
