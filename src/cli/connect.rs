//! Where a command talks to, shared by the console and `export`: the demo's in-process
//! server, any MTurk-compatible endpoint, the sandbox or production, and the credentials
//! that go with it.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use aws_sdk_mturk::Client;
use aws_sdk_mturk::config::ProvideCredentials;
use clap::Args;

use mturk_review::console::WorkerSite;
use mturk_review::journal::{Scope, account_fingerprint};
use mturk_review::mturk::client::{
    ClientOptions, Endpoint, error_chain, load_config, local_client,
};
use mturk_review::server::{
    self, DEFAULT_MAX_BODY_BYTES, EdgeConfig, FaultConfig, RateConfig, RunningServer, ServerConfig,
};

#[derive(Debug, Clone, Args)]
pub struct EndpointArgs {
    /// Use the bundled demo data on a private in-process server: no account, no network.
    #[arg(long, conflicts_with_all = ["endpoint_url", "sandbox", "profile"])]
    pub demo: bool,
    /// Any MTurk-compatible endpoint, e.g. a running `mturk-review serve`.
    #[arg(long, value_name = "URL", conflicts_with = "sandbox")]
    pub endpoint_url: Option<String>,
    /// MTurk's requester sandbox. Without --sandbox or --endpoint-url: MTurk production.
    #[arg(long)]
    pub sandbox: bool,
    /// AWS profile to take credentials from (default: the standard credential chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// AWS region (MTurk lives in us-east-1).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

/// A client ready to use, where it is connected, and the journal scope it belongs to.
pub struct Connected {
    pub client: Client,
    pub endpoint: Endpoint,
    pub scope: Scope,
    /// The demo's server, to stop when done.
    pub demo_server: Option<RunningServer>,
    /// The demo's worker site and a worker's sign-in link.
    pub worker_site: Option<WorkerSite>,
}

impl Connected {
    pub async fn close(self) {
        if let Some(server) = self.demo_server {
            server.stop().await;
        }
    }
}

pub async fn connect(args: &EndpointArgs) -> Result<Connected> {
    if args.demo {
        let server = server::start(ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: PathBuf::from(":memory:"),
            demo: true,
            generate: None,
            balance_cents: 1_000_000,
            faults: FaultConfig::default(),
            rate: RateConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            edge: EdgeConfig::default(),
            require_signatures: false,
            site: Default::default(),
        })
        .await
        .context("cannot start the demo server")?;
        let url = server.endpoint_url();
        return Ok(Connected {
            client: local_client(&url).await,
            endpoint: Endpoint::Demo(url.clone()),
            scope: Scope {
                endpoint: url,
                account: "demo".to_string(),
            },
            worker_site: Some(WorkerSite {
                url: server.site_url.clone(),
                sign_in_url: server.demo_invite.as_ref().map(|i| i.sign_in_url.clone()),
            }),
            demo_server: Some(server),
        });
    }
    let endpoint = match (&args.endpoint_url, args.sandbox) {
        (Some(url), _) => Endpoint::Custom(url.clone()),
        (None, true) => Endpoint::Sandbox,
        (None, false) => Endpoint::Production,
    };
    let mut options = ClientOptions {
        endpoint,
        profile: args.profile.clone(),
        region: Some(args.region.clone()),
        local_credentials: false,
        max_attempts: 5,
    };
    let mut config = load_config(&options).await;
    let access_key_id = match access_key_id(&config).await {
        Ok(id) => id,
        // A self-hosted server such as `mturk-review serve` on a database without access keys
        // accepts any signature, so a custom endpoint works without an AWS account; MTurk
        // itself does not. A profile asked for by name is never replaced.
        Err(_) if matches!(options.endpoint, Endpoint::Custom(_)) && options.profile.is_none() => {
            tracing::info!(
                "no AWS credentials; using dummy ones for {}",
                options.endpoint.url()
            );
            options.local_credentials = true;
            config = load_config(&options).await;
            access_key_id(&config).await?
        }
        Err(err) => return Err(err),
    };
    Ok(Connected {
        client: Client::new(&config),
        endpoint: options.endpoint.clone(),
        scope: Scope {
            endpoint: options.endpoint.url().to_string(),
            account: account_fingerprint(&access_key_id),
        },
        demo_server: None,
        worker_site: None,
    })
}

/// The access key id the credential chain offers, or a paragraph saying what to do.
async fn access_key_id(config: &aws_config::SdkConfig) -> Result<String> {
    let Some(provider) = config.credentials_provider() else {
        anyhow::bail!("{}", NO_CREDENTIALS);
    };
    match provider.provide_credentials().await {
        Ok(credentials) => Ok(credentials.access_key_id().to_string()),
        Err(err) => anyhow::bail!(
            "{NO_CREDENTIALS} (The credential chain said: {}.)",
            error_chain(&err)
        ),
    }
}

const NO_CREDENTIALS: &str = "No AWS credentials were found, so MTurk cannot be reached. Set them up with `aws configure` (or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY variables), choose a profile with --profile NAME, or point --endpoint-url at an MTurk-compatible server such as `mturk-review serve`. To try the console without an account, run `mturk-review --demo`.";
