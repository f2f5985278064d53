//! A worker on the worker site without a browser: signs in with a link, keeps the session
//! cookie, reads the CSRF token off the pages and posts the site's forms, over plain HTTP.

use std::net::SocketAddr;

use serde_json::json;

use super::{Raw, post, request};

/// A worker the requester invited (MTurkLocal.CreateWorker), not yet signed in.
pub async fn invite(api: SocketAddr, name: &str) -> (String, String) {
    let raw = post(api, "MTurkLocal.CreateWorker", &json!({ "Name": name })).await;
    assert_eq!(raw.status, 200, "CreateWorker: {}", raw.body);
    let body = raw.json();
    (
        body["WorkerId"].as_str().expect("WorkerId").to_string(),
        body["SignInUrl"].as_str().expect("SignInUrl").to_string(),
    )
}

/// The path and query of an absolute URL on the site.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".to_string(),
    }
}

pub struct Agent {
    pub site: SocketAddr,
    pub cookie: Option<String>,
}

impl Agent {
    pub fn new(site: SocketAddr) -> Agent {
        Agent { site, cookie: None }
    }

    /// Opens the sign-in link and presses its button.
    pub async fn sign_in(site: SocketAddr, link: &str) -> Agent {
        let mut agent = Agent::new(site);
        let page = agent.get(&path_of(link)).await;
        assert_eq!(page.status, 200, "sign-in page: {}", page.body);
        let token = link.split("token=").nth(1).expect("a token").to_string();
        let signed = agent
            .post_form("/worker/sign-in", &[("token", &token)])
            .await;
        assert_eq!(signed.status, 303, "sign-in: {}", signed.body);
        let cookie = signed
            .header("set-cookie")
            .expect("a session cookie")
            .split(';')
            .next()
            .expect("name=value")
            .to_string();
        agent.cookie = Some(cookie);
        agent
    }

    fn headers<'a>(&'a self, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        let mut headers = extra.to_vec();
        if let Some(cookie) = &self.cookie {
            headers.push(("Cookie", cookie));
        }
        headers
    }

    pub async fn get(&self, path: &str) -> Raw {
        request(self.site, "GET", path, &self.headers(&[]), b"").await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Raw {
        let body = form(fields);
        request(
            self.site,
            "POST",
            path,
            &self.headers(&[("Content-Type", "application/x-www-form-urlencoded")]),
            body.as_bytes(),
        )
        .await
    }

    /// The CSRF token on a page of the site.
    pub fn csrf(page: &Raw) -> String {
        let at = page
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF token on {}", page.body));
        let rest = &page.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').expect("the token ends")].to_string()
    }

    /// Previews `hit_id` and presses Accept; the assignment id the site went to.
    pub async fn accept(&self, hit_id: &str) -> Result<String, Raw> {
        let page = self.get(&format!("/worker/hits/{hit_id}")).await;
        if page.status != 200 {
            return Err(page);
        }
        let csrf = Agent::csrf(&page);
        let accepted = self
            .post_form(&format!("/worker/hits/{hit_id}/accept"), &[("csrf", &csrf)])
            .await;
        match accepted.header("location") {
            Some(location) if accepted.status == 303 => Ok(location
                .rsplit('/')
                .next()
                .expect("an assignment id")
                .to_string()),
            _ => Err(accepted),
        }
    }
}

pub fn form(fields: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        out.append_pair(name, value);
    }
    out.finish()
}
