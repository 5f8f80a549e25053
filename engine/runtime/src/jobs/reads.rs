//! Reading the job queue: one job by id, and pages of jobs filtered by state, tenant, cluster and
//! priority, straight from the store (the writer is not asked).

use super::{JobRecord, JobState};
use crate::{Error, Runtime, records};
use std::ops::Bound;
use stepd_store::{KeyReader, Range, Table};

/// Which jobs a listing wants (every field set must match).
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub tenant: Option<String>,
    pub cluster: Option<String>,
    pub min_priority: Option<u32>,
}

impl JobFilter {
    fn matches(&self, job: &JobRecord) -> bool {
        let cluster = job
            .placement
            .as_ref()
            .map(|p| &p.cluster)
            .or(job.spec.cluster.as_ref());
        self.state.is_none_or(|s| s == job.state)
            && self.tenant.as_ref().is_none_or(|t| *t == job.spec.tenant)
            && self.cluster.as_ref().is_none_or(|c| Some(c) == cluster)
            && self.min_priority.is_none_or(|p| job.spec.priority >= p)
    }
}

/// A page of jobs, by id; `next` is where the following page starts.
#[derive(Debug, Clone)]
pub struct JobPage {
    pub jobs: Vec<JobRecord>,
    pub next: Option<String>,
}

/// Most rows one page looks at: a filter that matches rarely gives shorter pages, not longer reads.
const SCAN: usize = 5_000;

impl Runtime {
    /// Submits a job: checks it field by field (nothing is started when a field is wrong), then starts
    /// one execution of `poller` (the Job Poller) named by the job's id, with `{"job": …}` as its input.
    /// Answers the checked job and the execution's ARN.
    pub async fn submit_job(
        &self,
        mut job: serde_json::Value,
        poller: &str,
        default_id: &str,
    ) -> Result<(super::JobSpec, String), Error> {
        let spec = super::spec::parse(&job, default_id, &self.jobs_known)
            .map_err(|e| Error::Validation(e.to_string()))?;
        if self.job(&spec.id)?.is_some() {
            return Err(Error::JobAlreadyExists(spec.id));
        }
        if let Some(m) = job.as_object_mut() {
            m.insert("id".into(), serde_json::json!(spec.id));
        }
        let arn = self
            .start_execution(poller, &spec.id, serde_json::json!({ "job": job }))
            .await
            .map_err(|e| match e {
                Error::ExecutionAlreadyExists(_) => Error::JobAlreadyExists(spec.id.clone()),
                e => e,
            })?;
        Ok((spec, arn))
    }

    /// Cancels a job: its execution is stopped, which cancels its run on its cluster. A job that has
    /// ended is left as it is. Answers the job's state.
    pub async fn cancel_job(&self, id: &str) -> Result<super::JobState, Error> {
        let job = self
            .job(id)?
            .ok_or_else(|| Error::JobDoesNotExist(id.to_string()))?;
        if job.state.is_final() {
            return Ok(job.state);
        }
        self.stop_execution(
            &job.execution,
            Some("Job.Cancelled".into()),
            Some(format!("job {id} was cancelled")),
        )
        .await?;
        Ok(super::JobState::Cancelled)
    }

    /// One job by id.
    pub fn job(&self, id: &str) -> Result<Option<JobRecord>, Error> {
        match self.store.get(Table::Jobs, &records::str_key(id))? {
            Some(bytes) => Ok(Some(records::from_bytes(&bytes)?)),
            None => Ok(None),
        }
    }

    /// Up to `limit` jobs matching `filter`, in id order, from after `after`. Only jobs not yet ended are
    /// looked at when the filter asks for an active state.
    pub fn jobs(
        &self,
        filter: &JobFilter,
        after: Option<&str>,
        limit: usize,
    ) -> Result<JobPage, Error> {
        let active_only = filter.state.is_some_and(|s| !s.is_final());
        let table = if active_only {
            Table::ActiveJobs
        } else {
            Table::Jobs
        };
        let range = Range {
            start: after.map_or(Bound::Unbounded, |a| Bound::Excluded(records::str_key(a))),
            end: Bound::Unbounded,
        };
        let rows = self.store.scan(table, &range, SCAN, false)?;
        let scanned = rows.len();
        let mut jobs = Vec::new();
        let mut last = None;
        for (k, v) in rows {
            last = KeyReader::new(&k).str();
            let job: JobRecord = if active_only {
                match self.store.get(Table::Jobs, &k)? {
                    Some(bytes) => records::from_bytes(&bytes)?,
                    None => continue,
                }
            } else {
                records::from_bytes(&v)?
            };
            if filter.matches(&job) {
                jobs.push(job);
                if jobs.len() == limit {
                    break;
                }
            }
        }
        let more = jobs.len() == limit || scanned == SCAN;
        // At the limit the last row read is the last job returned; past the scan bound it is where the
        // scan stopped.
        let next = if more { last } else { None };
        Ok(JobPage { jobs, next })
    }
}
