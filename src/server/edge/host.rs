//! Which names a loopback server answers to. A web page can make a browser send requests to
//! 127.0.0.1 under a name of its own (DNS rebinding: the name first resolves to the attacker,
//! then to 127.0.0.1), and the server accepts any signature; the Host such a request carries is
//! the page's name, so only loopback names and the ones allowed by name are answered.

use std::net::{Ipv4Addr, Ipv6Addr};

use axum::http::uri::Authority;
use axum::http::{HeaderMap, Uri, header};

#[derive(Debug, Clone)]
pub enum HostCheck {
    /// Any name (`--allow-remote`: the server is meant to be reached from elsewhere).
    Any,
    /// `localhost`, `127.x.x.x`, `[::1]` and these names (`--allow-host`), at any port.
    Loopback { also: Vec<String> },
}

impl Default for HostCheck {
    fn default() -> Self {
        HostCheck::Loopback { also: Vec::new() }
    }
}

impl HostCheck {
    /// Why a request addressed this way is refused, when it is.
    pub fn refusal(&self, uri: &Uri, headers: &HeaderMap) -> Option<String> {
        let HostCheck::Loopback { also } = self else {
            return None;
        };
        // The authority of an absolute-form target stands for Host (RFC 9112, 3.2.2). A request
        // without either is not from a browser, which always sends Host, so it is answered.
        let addressed = match uri.authority() {
            Some(authority) => authority.as_str(),
            None => headers.get(header::HOST)?.to_str().unwrap_or_default(),
        };
        let host = addressed
            .parse::<Authority>()
            .map(|authority| authority.host().to_string())
            .unwrap_or_default();
        if is_loopback(&host) || also.iter().any(|name| name.eq_ignore_ascii_case(&host)) {
            return None;
        }
        let name = if host.is_empty() { "NAME" } else { &host };
        Some(format!(
            "This server listens on loopback and answers only requests addressed to localhost, 127.0.0.1 or [::1], so that a web page cannot reach it by DNS rebinding; this one was addressed to {addressed:?}. To reach it by that name (through a proxy, say), start it with --allow-host {name}."
        ))
    }
}

fn is_loopback(host: &str) -> bool {
    let ipv6 = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok());
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || ipv6.is_some_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(check: &HostCheck, host: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, host.parse().expect("a header value"));
        check.refusal(&Uri::from_static("/"), &headers).is_some()
    }

    #[test]
    fn loopback_names_at_any_port_are_answered_and_others_refused() {
        let check = HostCheck::default();
        for host in [
            "localhost",
            "LOCALHOST:8780",
            "127.0.0.1",
            "127.0.0.1:8780",
            "127.1.2.3:1",
            "[::1]",
            "[::1]:8780",
        ] {
            assert!(!refused(&check, host), "{host}");
        }
        for host in [
            "attacker.example",
            "attacker.example:8780",
            "localhost.attacker.example",
            "127.0.0.1.attacker.example",
            "10.0.0.1",
            "[::2]",
            "",
        ] {
            assert!(refused(&check, host), "{host}");
        }
    }

    #[test]
    fn allowed_names_and_any_are_answered() {
        let check = HostCheck::Loopback {
            also: vec!["Review.Internal".to_string()],
        };
        assert!(!refused(&check, "review.internal:443"));
        assert!(refused(&check, "other.internal"));
        assert!(!refused(&HostCheck::Any, "attacker.example"));
    }

    #[test]
    fn an_absolute_target_is_checked_instead_of_host() {
        let check = HostCheck::default();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1".parse().expect("a header value"));
        let uri = Uri::from_static("http://attacker.example/");
        let refusal = check.refusal(&uri, &headers).expect("refused");
        assert!(
            refusal.contains("--allow-host attacker.example"),
            "{refusal}"
        );
        assert!(
            check
                .refusal(&Uri::from_static("/"), &HeaderMap::new())
                .is_none()
        );
    }
}
