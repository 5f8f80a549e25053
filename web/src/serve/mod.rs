//! `stepd serve [--listen ADDR] [--data DIR]`: the durable runtime behind the Step Functions JSON API
//! (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`). Prints `listening on http://ADDR` once it serves.

mod auth;
mod aws;
mod conn;
mod hex;
mod rest;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stepd_runtime::{Config, Runtime};
use stepd_store::RedbStore;

#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the database file (created if missing).
    #[arg(long, default_value = "stepd-data")]
    data: PathBuf,
    /// The region in ARNs (and that SigV4 signatures must be scoped to).
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// The account id in ARNs (12 digits).
    #[arg(long, default_value = "123456789012")]
    account: String,
    /// Access keys, a JSON file `{"ACCESS_KEY_ID": "SECRET", …}`: every request must then carry a valid AWS
    /// Signature Version 4 made with one of them. Required to listen beyond loopback.
    #[arg(long)]
    access_keys: Option<PathBuf>,
}

pub(crate) fn run(args: &Args) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("stepd serve: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stepd serve: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn serve(args: &Args) -> Result<()> {
    // Logs go to standard error (standard output carries the "listening on" line); RUST_LOG sets the
    // level, info by default.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    if args.account.len() != 12 || !args.account.bytes().all(|b| b.is_ascii_digit()) {
        bail!("--account must be 12 digits, as AWS account ids are");
    }
    if args.region.is_empty() || args.region.contains(':') {
        bail!("--region must be a region name such as us-east-1");
    }
    let config = Config {
        region: args.region.clone(),
        account: args.account.clone(),
        ..Config::default()
    };
    let keys = match &args.access_keys {
        Some(path) => Some(auth::load(path, &config.region)?),
        None if !args.listen.ip().is_loopback() => bail!(
            "listening beyond loopback needs --access-keys: without them anyone who can reach the port could drive the engine"
        ),
        None => None,
    };
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("creating {}", args.data.display()))?;
    let store = RedbStore::open(args.data.join("stepd.redb")).context("opening the database")?;
    let rt = Runtime::start(Arc::new(store), config).context("recovering executions")?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .context("binding the listener")?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    let mut app = aws::router(rt.clone())
        .merge(rest::router(rt))
        .layer(axum::middleware::from_fn(conn::deadline));
    if let Some(keys) = keys {
        app = app.layer(axum::middleware::from_fn_with_state(keys, auth::verify));
    }
    conn::serve(listener, app).await;
    Ok(())
}
