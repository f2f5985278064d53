//! The worker site: where people sign in, find HITs, preview, accept, do and submit them. Its
//! pages live on the site's origin (the API's listener, under `/worker/`, with
//! `/mturk/externalSubmit` where task pages submit); requester HTML (HTMLQuestion, HIT layouts,
//! QuestionForm pages) is served from a second origin, the content origin, so that it never runs
//! with the site's cookies or reaches its pages.
//!
//! On loopback the content origin is the other loopback name on the next port (the site on
//! `http://127.0.0.1:8780` frames `http://localhost:8781`): a different host, so not even the
//! site's cookies are shared. Behind a proxy, give both public URLs (`--site-url`,
//! `--content-url`), on different host names.

mod content;
mod links;
mod pages;
pub mod question;
pub mod question_form;
mod session;
mod submit;
pub mod task_html;
mod view;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};

pub use links::{file_url, new_sign_in_url, record_site_origin, site_origin};

use super::edge::HostCheck;
use super::store::Store;

/// How the site is reached and who may join it.
#[derive(Debug, Clone, Default)]
pub struct SiteConfig {
    /// The site's public URL (scheme, host, port), when a proxy puts it elsewhere than the
    /// listener.
    pub url: Option<String>,
    /// Where the content origin listens; by default the API's address on the next port (or
    /// any free port when the API's is 0).
    pub content_listen: Option<SocketAddr>,
    /// The content origin's public URL, behind a proxy.
    pub content_url: Option<String>,
    /// Anyone who reaches the site may become a worker.
    pub open_signup: bool,
}

/// What the site's handlers share.
pub struct Site {
    pub store: Store,
    /// The site's origin as browsers reach it, without a trailing slash.
    pub origin: String,
    /// The content origin as browsers reach it.
    pub content_origin: String,
    pub open_signup: bool,
    pub hosts: HostCheck,
}

impl Site {
    /// Cookies are Secure when the site is served over https.
    fn secure(&self) -> bool {
        self.origin.starts_with("https://")
    }
}

/// The site's origin for a listener at `addr`, unless configured.
pub fn site_origin_for(config: &SiteConfig, addr: SocketAddr) -> String {
    match &config.url {
        Some(url) => url.trim_end_matches('/').to_string(),
        None => format!("http://{addr}"),
    }
}

/// Where the content origin listens for a site listening at `site`.
pub fn content_listen_for(config: &SiteConfig, site: SocketAddr) -> SocketAddr {
    config.content_listen.unwrap_or_else(|| {
        let port = match site.port() {
            0 | u16::MAX => 0,
            port => port + 1,
        };
        SocketAddr::new(site.ip(), port)
    })
}

/// The content origin for a content listener at `addr`, unless configured: on loopback, the
/// other loopback name than the site's, so that the two are different hosts.
pub fn content_origin_for(config: &SiteConfig, site_origin: &str, addr: SocketAddr) -> String {
    if let Some(url) = &config.content_url {
        return url.trim_end_matches('/').to_string();
    }
    let site_host = site_origin
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .unwrap_or_default();
    if addr.ip().is_loopback() {
        let host = if site_host.eq_ignore_ascii_case("localhost") {
            "127.0.0.1"
        } else {
            "localhost"
        };
        format!("http://{host}:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// A worker a requester invited, and the link that signs them in.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub worker_id: String,
    pub sign_in_url: String,
}

/// A new worker and their sign-in link (MTurkLocal.CreateWorker, `workers invite`, the demo).
pub fn invite(
    tx: &rusqlite::Transaction,
    name: Option<&str>,
    locale: Option<(&str, Option<&str>)>,
    now_ms: i64,
) -> super::error::ApiResult<Invitation> {
    let worker_id = super::work::create_worker(tx, name, locale, now_ms, &mut rand::rng())?;
    let sign_in_url = new_sign_in_url(tx, &worker_id, now_ms)?;
    Ok(Invitation {
        worker_id,
        sign_in_url,
    })
}

/// Everything the site's routes don't answer goes to the API, but for the submit URL that
/// pages build with a doubled slash (`turkSubmitTo` + "/mturk/externalSubmit" where
/// turkSubmitTo ends in "/"), which a router can't name.
pub fn or_api(
    site: Arc<Site>,
    api: Arc<super::http::AppState>,
) -> impl Fn(Request) -> futures::future::BoxFuture<'static, Response> + Clone + Send + 'static {
    move |request: Request| {
        let (site, api) = (site.clone(), api.clone());
        Box::pin(async move {
            if request.uri().path() == "//mturk/externalSubmit" {
                if let Some(refusal) = site.hosts.refusal(request.uri(), request.headers()) {
                    return (StatusCode::FORBIDDEN, refusal).into_response();
                }
                submit::external_submit(State(site), request).await
            } else {
                super::http::handle(State(api), request).await
            }
        })
    }
}

/// The site's routes, merged into the API's router (whose fallback answers everything else).
pub fn site_routes(site: Arc<Site>) -> Router {
    Router::new()
        .route("/worker", get(pages::home))
        .route("/worker/", get(pages::home))
        .route("/worker/static/site.css", get(pages::stylesheet))
        .route(
            "/worker/sign-in",
            get(pages::sign_in_page).post(pages::sign_in),
        )
        .route("/worker/sign-up", post(pages::sign_up))
        .route("/worker/sign-out", post(pages::sign_out))
        .route("/worker/me", get(pages::me))
        .route("/worker/groups/{hit_type_id}", get(pages::group))
        .route("/worker/hits/{hit_id}", get(pages::preview))
        .route("/worker/hits/{hit_id}/accept", post(pages::accept))
        .route(
            "/worker/assignments/{assignment_id}",
            get(pages::assignment),
        )
        .route(
            "/worker/assignments/{assignment_id}/return",
            post(pages::return_assignment),
        )
        .route("/worker/assignments/{assignment_id}/done", get(pages::done))
        .route(
            "/mturk/externalSubmit",
            any(submit::external_submit).layer(axum::extract::DefaultBodyLimit::max(
                submit::MAX_SUBMISSION_BYTES,
            )),
        )
        .route("/files/{key}", get(pages::file))
        .method_not_allowed_fallback(|| async {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                "This page does not take that method.",
            )
        })
        .layer(middleware::from_fn_with_state(site.clone(), guard(false)))
        .with_state(site)
}

/// The content origin's own router.
pub fn content_routes(site: Arc<Site>) -> Router {
    Router::new()
        .route("/dynamic/hit", get(content::task))
        .route("/static/{name}", get(content::asset))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not found.") })
        .layer(middleware::from_fn_with_state(site.clone(), guard(true)))
        .with_state(site)
}

/// The checks and headers every answer of the site (or of the content origin) gets: the Host
/// check the API has too, and headers that keep pages from being framed by anyone else.
fn guard(
    content: bool,
) -> impl Fn(State<Arc<Site>>, Request, Next) -> futures::future::BoxFuture<'static, Response> + Clone
{
    move |State(site): State<Arc<Site>>, request: Request, next: Next| {
        Box::pin(async move {
            if let Some(refusal) = site.hosts.refusal(request.uri(), request.headers()) {
                return (StatusCode::FORBIDDEN, refusal).into_response();
            }
            let mut response = next.run(request).await;
            let headers = response.headers_mut();
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            headers.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            );
            let ancestors = if content {
                format!("frame-ancestors {}", site.origin)
            } else {
                "frame-ancestors 'self'".to_string()
            };
            if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
                && let Ok(value) = HeaderValue::from_str(&ancestors)
            {
                headers.insert(header::CONTENT_SECURITY_POLICY, value);
            }
            response
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_origin_is_the_next_port_on_the_other_loopback_name() {
        let config = SiteConfig::default();
        let at = |s: &str| s.parse::<SocketAddr>().expect("an address");
        assert_eq!(
            content_listen_for(&config, at("127.0.0.1:8780")),
            at("127.0.0.1:8781")
        );
        // A free port for a free port: never the one after a port the kernel chose.
        assert_eq!(
            content_listen_for(&config, at("127.0.0.1:0")),
            at("127.0.0.1:0")
        );
        assert_eq!(
            content_origin_for(&config, "http://127.0.0.1:8780", at("127.0.0.1:8781")),
            "http://localhost:8781"
        );
        assert_eq!(
            content_origin_for(&config, "http://localhost:8780", at("127.0.0.1:8781")),
            "http://127.0.0.1:8781"
        );
        let behind = SiteConfig {
            content_url: Some("https://content.example.org/".into()),
            content_listen: Some(at("127.0.0.1:9000")),
            ..SiteConfig::default()
        };
        assert_eq!(
            content_listen_for(&behind, at("127.0.0.1:8780")),
            at("127.0.0.1:9000")
        );
        assert_eq!(
            content_origin_for(&behind, "https://work.example.org", at("127.0.0.1:9000")),
            "https://content.example.org"
        );
    }
}
