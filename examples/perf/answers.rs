//! A client for the console's code that counts the HTTP answers it gets, retries included:
//! how many calls got through (200) and how many were throttled (400: in these runs nothing
//! else is refused, and a refused decision would count as failed).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::interceptors::BeforeDeserializationInterceptorContextRef;
use aws_sdk_mturk::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_mturk::error::BoxError;
use mturk_review::mturk::client::local_client;

#[derive(Debug, Clone, Default)]
pub struct Answers {
    ok: Arc<AtomicUsize>,
    throttled: Arc<AtomicUsize>,
}

impl Answers {
    pub fn ok(&self) -> usize {
        self.ok.load(Ordering::Relaxed)
    }

    pub fn throttled(&self) -> usize {
        self.throttled.load(Ordering::Relaxed)
    }
}

impl Intercept for Answers {
    fn name(&self) -> &'static str {
        "Answers"
    }

    fn read_before_deserialization(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match context.response().status().as_u16() {
            200 => self.ok.fetch_add(1, Ordering::Relaxed),
            400 => self.throttled.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
        Ok(())
    }
}

/// The console's client for the server at `url`, counting its answers.
pub async fn counted_client(url: &str) -> (Client, Answers) {
    let client = local_client(url).await;
    let answers = Answers::default();
    let config = client
        .config()
        .to_builder()
        .interceptor(answers.clone())
        .build();
    (Client::from_conf(config), answers)
}
