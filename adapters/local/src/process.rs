//! A job's process: the sh wrapper that runs its command at most once and reports through files, how it
//! is launched, and the pid checks and process-group signals that follow it (also after a restart, when it
//! is no longer our child).

use crate::job::{self, JobDir};
use rustix::process::{Pid, Signal};
use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::process::Stdio;
use stepd_adapter::JobSpec;

/// The wrapper's `$0`: with the job directory as the next argument, it is how a pid is recognised as
/// this job's wrapper (see [`is_wrapper`]).
pub(crate) const ARGV0: &str = "stepd-local";

/// The wrapper, run as `sh -c WRAPPER stepd-local <job dir> <memory KiB or -> <command...>`.
///
/// - `mkdir started` is the run-once lock: a second wrapper for the same job (launched again after a
///   crash that happened between launching and recording it) exits without running anything.
/// - A TERM to the process group is trapped here so that the wrapper outlives its command and still
///   writes the exit status; the subshell resets the trap, so the command sees TERM as usual.
/// - The memory limit is applied in the subshell only, so the wrapper's own `mv` is never starved.
/// - `/bin/mkdir` and `/bin/mv` by path: the job's env may set a PATH without them.
/// - The status is written to `exit.tmp` and renamed, so `exit` is never seen half-written.
pub(crate) const WRAPPER: &str = r#"d=$1 lim=$2
shift 2
trap 'stepd_term=1' TERM
/bin/mkdir "$d/started" 2>/dev/null || exit 0
echo $$ > "$d/pid.tmp" && /bin/mv -f "$d/pid.tmp" "$d/pid"
[ -e "$d/cancelled" ] && exit 0
(
  if [ "$lim" != - ]; then
    ulimit -v "$lim" || { echo "stepd: could not limit the job's address space to $lim KiB" >&2; exit 125; }
  fi
  exec "$@"
)
s=$?
echo $s > "$d/exit.tmp" && /bin/mv -f "$d/exit.tmp" "$d/exit"
exit $s
"#;

/// What a job's process is started with besides its spec.
pub(crate) struct Launch<'a> {
    pub(crate) dir: &'a JobDir,
    pub(crate) spec: &'a JobSpec,
    pub(crate) enforce_memory: bool,
}

/// Starts the wrapper for a job, in its own process group (whose id is the wrapper's pid), with a minimal
/// environment: a job should not inherit stepd's own variables, which may hold its credentials.
pub(crate) fn spawn(launch: &Launch<'_>) -> io::Result<tokio::process::Child> {
    let Launch {
        dir,
        spec,
        enforce_memory,
    } = *launch;
    let append = |name| {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.file(name))
    };
    let (stdout, stderr) = (append(job::STDOUT)?, append(job::STDERR)?);
    let limit = if enforce_memory {
        spec.demand.memory_mib.saturating_mul(1024).to_string()
    } else {
        "-".to_string()
    };
    // A relative workdir is taken relative to the job's directory, not to wherever stepd was started.
    let cwd = match &spec.workdir {
        Some(w) => dir.path().join(w),
        None => dir.path().to_path_buf(),
    };
    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(WRAPPER)
        .arg(ARGV0)
        .arg(dir.path())
        .arg(limit)
        .args(&spec.command)
        .env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into()),
        );
    for inherited in ["HOME", "LANG"] {
        if let Some(v) = std::env::var_os(inherited) {
            cmd.env(inherited, v);
        }
    }
    let job_id = if spec.job_id.is_empty() {
        &spec.name
    } else {
        &spec.job_id
    };
    cmd.envs(&spec.env)
        .env("STEPD_JOB_ID", job_id)
        .env("STEPD_JOB_NAME", &spec.name)
        .env(
            "STEPD_CPUS",
            spec.demand.cpu_milli.div_ceil(1000).to_string(),
        )
        .env("STEPD_MEMORY_MIB", spec.demand.memory_mib.to_string())
        .current_dir(&cwd)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .kill_on_drop(false);
    cmd.spawn().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("running /bin/sh in {}: {e}", cwd.display()),
        )
    })
}

/// Whether `pid` is, right now, the wrapper of the job in `dir`.
///
/// Robust against pid reuse: a live process is taken for the wrapper only if its argv is a wrapper's
/// (`sh -c <script> stepd-local <this job's absolute dir> ...`). Another process reusing the pid would
/// need that argv, and the only thing launched with it is this job's wrapper, which the run-once lock
/// keeps from running twice. The script itself is not compared, so jobs launched by an older stepd whose
/// wrapper read differently are still recognised after an upgrade. A zombie has an empty cmdline, so an
/// exited but not yet reaped wrapper counts as gone.
pub(crate) fn is_wrapper(pid: i32, dir: &Path) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let mut args = cmdline.split(|&b| b == 0);
    let (_sh, c, _script, argv0, job) = (
        args.next(),
        args.next(),
        args.next(),
        args.next(),
        args.next(),
    );
    c == Some(b"-c")
        && argv0 == Some(ARGV0.as_bytes())
        && job == Some(dir.as_os_str().as_encoded_bytes())
}

/// Sends `signal` to the process group `pgid`; false when there is none.
pub(crate) fn signal_group(pgid: i32, signal: Signal) -> bool {
    match Pid::from_raw(pgid) {
        Some(pid) => rustix::process::kill_process_group(pid, signal).is_ok(),
        None => false,
    }
}
