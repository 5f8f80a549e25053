//! `stepd serve [--listen ADDR] [--data DIR]`: the durable runtime behind the Step Functions JSON API
//! (`POST /`, `X-Amz-Target: AWSStepFunctions.<Op>`). Prints `listening on http://ADDR` once it serves.
//!
//! As a library: `start(listener, &Args)` opens the store and recovers (the server is ready when it
//! returns), `Serving::run(shutdown)` serves until `shutdown` completes; `serve` is both.

mod auth;
mod aws;
mod conn;
mod error;
pub(crate) mod fleet;
mod hex;
mod intake;
mod jobs;
mod rest;
mod schedules;
mod stall;

use anyhow::{Context, Result, bail};
use clap::{Args as ClapArgs, Parser};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stepd_runtime::{Config, Runtime};
use stepd_store::RedbStore;

#[derive(ClapArgs)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Directory for the database file and the local clusters' job files (created if missing).
    #[arg(long, default_value = "stepd-data")]
    data: PathBuf,
    /// The configuration file (TOML: clusters, tenants, scheduler policy, schedules); without one, a
    /// local cluster sized to this machine.
    #[arg(long)]
    config: Option<PathBuf>,
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
    /// Open client connections at most (lowered to fit the open-file limit); more wait until one closes.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// Bytes of request bodies being received at once, server-wide, beyond 64 KiB each, in MiB; past it
    /// requests are refused with ThrottlingException.
    #[arg(long, default_value_t = 64)]
    body_budget_mib: usize,
    /// Seconds a connection may take to send a request's headers, and may stay idle between requests.
    #[arg(long, default_value_t = 10, hide = true)]
    header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body, or leave an answer untaken.
    #[arg(long, default_value_t = 30, hide = true)]
    body_timeout_secs: u64,
    /// Seconds a request may take, body and answer included (GetActivityTask long-polls for 60).
    #[arg(long, default_value_t = 90, hide = true)]
    request_timeout_secs: u64,
}

/// Largest request body (a definition may be 1 MiB, and JSON escaping grows it).
const MAX_BODY: usize = 4 * 1024 * 1024;

impl Args {
    /// The arguments of `stepd serve ARGS…` (without the `serve`), as the command line would take them.
    pub fn parse_from<I, T>(args: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        #[derive(Parser)]
        struct Serve {
            #[command(flatten)]
            args: Args,
        }
        let argv = std::iter::once(std::ffi::OsString::from("serve"))
            .chain(args.into_iter().map(Into::into));
        Serve::try_parse_from(argv).map(|s| s.args)
    }
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
    let served = runtime.block_on(async {
        logs();
        check(args)?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("binding {}", args.listen))?;
        let serving = start(listener, args).await?;
        println!("listening on http://{}", serving.addr());
        serving.run(std::future::pending()).await;
        Ok::<(), anyhow::Error>(())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stepd serve: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to standard error (standard output carries the "listening on" line); RUST_LOG sets the level,
/// info by default.
fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// What the arguments must be before anything is opened or created.
fn check(args: &Args) -> Result<()> {
    if args.account.len() != 12 || !args.account.bytes().all(|b| b.is_ascii_digit()) {
        bail!("--account must be 12 digits, as AWS account ids are");
    }
    if args.region.is_empty() || args.region.contains(':') {
        bail!("--region must be a region name such as us-east-1");
    }
    if args.access_keys.is_none() && !args.listen.ip().is_loopback() {
        bail!(
            "listening beyond loopback needs --access-keys: without them anyone who can reach the port could drive the engine"
        );
    }
    Ok(())
}

/// Serves the API on `listener` with `args` (its `--listen` is not used) until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    args: &Args,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    check(args)?;
    start(listener, args).await?.run(shutdown).await;
    Ok(())
}

/// A server whose store is open and recovered, ready to serve on its listener.
pub struct Serving {
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: conn::Limits,
}

impl Serving {
    /// The address it serves on (the port chosen when `--listen` asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Accepts connections until `shutdown` completes (connections already open are dropped with it).
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::select! {
            () = conn::serve(self.listener, self.app, self.limits) => {}
            () = shutdown => {}
        }
    }
}

/// Opens the store in `--data`, recovers its executions, registers the shipped workflows and builds the
/// routes: when it returns, the server is ready to answer.
pub async fn start(listener: tokio::net::TcpListener, args: &Args) -> Result<Serving> {
    let file = match &args.config {
        Some(path) => crate::config::File::load(path)?,
        None => crate::config::File::embedded(),
    };
    std::fs::create_dir_all(&args.data)
        .with_context(|| format!("creating {}", args.data.display()))?;
    let scheduler_arn =
        stepd_core::arn::Scope::new(&args.region, &args.account).state_machine(fleet::SCHEDULER);
    let fleet = fleet::build(&file, &args.data, scheduler_arn)?;
    let config = Config {
        region: args.region.clone(),
        account: args.account.clone(),
        adapters: fleet.adapters,
        jobs: fleet.jobs.clone(),
        ..Config::default()
    };
    let keys = match &args.access_keys {
        Some(path) => Some(auth::load(path, &config.region)?),
        None => None,
    };
    let store = RedbStore::open(args.data.join("stepd.redb")).context("opening the database")?;
    let rt = Runtime::start(Arc::new(store), config).context("recovering executions")?;
    fleet::register_workflows(&rt).await?;
    fleet::keep_tick_schedule(&rt, fleet.jobs.tick_seconds).await?;
    fleet::apply_schedules(&rt, &file.schedules).await?;
    let jobs = jobs::Jobs {
        rt: rt.clone(),
        clusters: fleet.clusters,
        poller: rt.state_machine_arn(fleet::POLLER),
    };
    let limits = conn::Limits {
        header_timeout: secs(args.header_timeout_secs),
        request_timeout: secs(args.request_timeout_secs),
        stall_timeout: secs(args.body_timeout_secs),
        max_connections: conn::connection_cap(args.max_connections),
    };
    let intake = intake::Intake::new(
        keys,
        MAX_BODY,
        secs(args.body_timeout_secs),
        args.body_budget_mib.saturating_mul(1024 * 1024),
    );
    // Outermost first: the deadline covers the intake (signature header check, body read) and the call;
    // the intake has read and checked the body, under its own limit, before any handler runs.
    let app = aws::router(rt.clone())
        .merge(rest::router(rt.clone()))
        .merge(jobs::router(jobs))
        .merge(schedules::router(rt.clone()))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(intake),
            intake::admit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            limits.request_timeout,
            conn::deadline,
        ));
    Ok(Serving {
        listener,
        app,
        limits,
    })
}

/// Seconds as a duration; 0 would disable nothing sensibly, so it counts as 1.
fn secs(n: u64) -> std::time::Duration {
    std::time::Duration::from_secs(n.max(1))
}
