//! One job's directory: the files that are the durable truth about it, how a submission is published
//! there whole, and how they are read back.

use crate::machine::mtime_ms;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use stepd_adapter::{JobSpec, JobStatus};

pub(crate) const SPEC: &str = "spec.json";
pub(crate) const SEQ: &str = "seq";
pub(crate) const STARTED: &str = "started";
pub(crate) const STARTED_MS: &str = "started_ms";
pub(crate) const PID: &str = "pid";
pub(crate) const EXIT: &str = "exit";
pub(crate) const CANCELLED: &str = "cancelled";
pub(crate) const TIMEOUT: &str = "timeout";
pub(crate) const STATUS: &str = "status.json";
pub(crate) const STDOUT: &str = "stdout";
pub(crate) const STDERR: &str = "stderr";

/// Whether `name` can be a job's directory name: the characters submission names are made of, and not
/// `.` or `..`, so a name can never reach outside `jobs/`.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A job's directory.
#[derive(Debug, Clone)]
pub(crate) struct JobDir {
    path: PathBuf,
}

impl JobDir {
    pub(crate) fn new(jobs: &Path, name: &str) -> JobDir {
        JobDir {
            path: jobs.join(name),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.file(name).exists()
    }

    pub(crate) fn exists(&self) -> bool {
        self.path.is_dir()
    }

    pub(crate) fn read_spec(&self) -> Result<JobSpec, String> {
        let bytes = fs::read(self.file(SPEC)).map_err(|e| format!("reading {SPEC}: {e}"))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("reading {SPEC}: {e}"))
    }

    /// A small number the wrapper or the cluster wrote; `None` while it is missing or half-written.
    pub(crate) fn read_number<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        fs::read_to_string(self.file(name))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub(crate) fn mtime_ms(&self, name: &str) -> Option<u64> {
        mtime_ms(&fs::metadata(self.file(name)).ok()?)
    }

    /// The final status, once the job has ended.
    pub(crate) fn read_status(&self) -> io::Result<Option<JobStatus>> {
        match fs::read(self.file(STATUS)) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub(crate) fn write_status(&self, status: &JobStatus) -> io::Result<()> {
        let bytes = serde_json::to_vec(status).map_err(io::Error::other)?;
        write_atomic(&self.path, STATUS, &bytes)
    }

    /// Writes a marker file (its presence is what counts; it holds the time for people reading it).
    pub(crate) fn mark(&self, name: &str, now_ms: u64) -> io::Result<()> {
        write_atomic(&self.path, name, now_ms.to_string().as_bytes())
    }

    pub(crate) fn write_number(&self, name: &str, n: u64) -> io::Result<()> {
        write_atomic(&self.path, name, n.to_string().as_bytes())
    }
}

/// Writes `dir/name` so that a reader (or a restart) sees either nothing or all of it: a temporary file
/// renamed over the name. No fsync: this survives the process being killed, which is the crash this
/// cluster is built for; after a power loss the runtime's redelivery resubmits what was lost.
pub(crate) fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    fs::rename(&tmp, dir.join(name))
}

/// What publishing a submission found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Published {
    Created,
    /// A job of that name was already there: the caller attaches to it.
    Exists,
}

/// Creates `jobs/<name>` holding `spec.json` and `seq`, whole or not at all: the files are written in a
/// staging directory which is then renamed into place. A crash midway leaves only staging debris (cleared
/// at the next open), never a job directory without its spec. Renaming onto a job directory that exists
/// fails (it is never empty), which is how a second submit of the same name attaches.
pub(crate) fn publish(
    staging: &Path,
    jobs: &Path,
    spec: &JobSpec,
    seq: u64,
) -> io::Result<Published> {
    let target = jobs.join(&spec.name);
    if target.exists() {
        return Ok(Published::Exists);
    }
    let stage = staging.join(format!("{}.{}", spec.name, seq));
    // Debris of an earlier attempt with the same sequence number cannot exist (numbers only grow within
    // one open, and staging is cleared at open), but clear it rather than fail if it does.
    let _ = fs::remove_dir_all(&stage);
    // Private to this user: spec.json holds the job's env, which may carry credentials, and its output
    // may too.
    fs::DirBuilder::new().mode(0o700).create(&stage)?;
    let spec_json = serde_json::to_vec_pretty(spec).map_err(io::Error::other)?;
    let staged = write_atomic(&stage, SPEC, &spec_json)
        .and_then(|()| write_atomic(&stage, SEQ, seq.to_string().as_bytes()));
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&stage);
        return Err(e);
    }
    match fs::rename(&stage, &target) {
        Ok(()) => Ok(Published::Created),
        Err(_) if target.exists() => {
            let _ = fs::remove_dir_all(&stage);
            Ok(Published::Exists)
        }
        Err(e) => {
            let _ = fs::remove_dir_all(&stage);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stepd_adapter::Resources;

    fn spec(name: &str) -> JobSpec {
        JobSpec {
            name: name.into(),
            job_id: String::new(),
            command: vec!["true".into()],
            env: Default::default(),
            workdir: None,
            demand: Resources::new(1000, 64),
            time_limit_seconds: None,
        }
    }

    #[test]
    fn names_cannot_leave_the_jobs_directory() {
        for bad in ["", ".", "..", "a/b", "../x", "a b", "é"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        for good in ["a", "job-1.2_x", "...", ".hidden"] {
            assert!(valid_name(good), "{good:?}");
        }
    }

    #[test]
    fn a_submission_is_published_once() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let (staging, jobs) = (dir.path().join("staging"), dir.path().join("jobs"));
        fs::create_dir(&staging)?;
        fs::create_dir(&jobs)?;
        assert_eq!(publish(&staging, &jobs, &spec("j"), 1)?, Published::Created);
        assert_eq!(publish(&staging, &jobs, &spec("j"), 2)?, Published::Exists);
        let job = JobDir::new(&jobs, "j");
        assert_eq!(job.read_spec(), Ok(spec("j")));
        assert_eq!(job.read_number::<u64>(SEQ), Some(1));
        assert_eq!(fs::read_dir(&staging)?.count(), 0);
        Ok(())
    }
}
