//! Group commit: writer tasks store the fixes of every request. A writer takes whatever
//! requests are waiting, stores all their fixes in one transaction (one sync to disk for
//! all), and only then answers each request with its own verdicts. SQLite gets one
//! writer, which keeps writers from contending for the database lock; PostgreSQL gets
//! more, so that one group's commit overlaps the next group's inserts.

use std::collections::HashMap;
use std::sync::Arc;

use freshroute_store::{FixRecord, Storage};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::ingest::Verdict;
use crate::{ApiError, telemetry};

/// Most fixes committed together.
const MAX_GROUP_FIXES: usize = 20_000;
/// Requests that may wait for the writer before senders are slowed down.
const QUEUE: usize = 4096;

struct Job {
    records: Vec<FixRecord>,
    reply: oneshot::Sender<Result<Written, ApiError>>,
}

/// The fixes of one request, handed back with their verdicts.
pub(crate) type Written = (Vec<FixRecord>, Vec<Verdict>);

/// The handle requests write through.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({} fixes)", self.records.len())
    }
}

impl Writer {
    /// Starts the writer tasks on the current runtime: as many as the store can keep
    /// busy at once, each taking the next group while the others commit theirs.
    pub(crate) fn spawn<S: Storage>(store: S) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for _ in 0..store.concurrent_writes().max(1) {
            tokio::spawn(commit_groups(store.clone(), queue.clone()));
        }
        Self { jobs }
    }

    /// Stores `records` with the next group; once they are committed, hands them back
    /// with their verdicts.
    pub(crate) async fn write(&self, records: Vec<FixRecord>) -> Result<Written, ApiError> {
        let (reply, answer) = oneshot::channel();
        let gone = || {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "writer_stopped",
                "the service is shutting down; nothing was stored, retry",
            )
        };
        self.jobs
            .send(Job { records, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// One writer: takes the waiting requests as a group, commits them, answers each.
async fn commit_groups<S: Storage>(store: S, queue: Arc<Mutex<mpsc::Receiver<Job>>>) {
    let mut group: Vec<Job> = Vec::new();
    loop {
        let mut fixes = 0;
        {
            let mut queue = queue.lock().await;
            let Some(first) = queue.recv().await else {
                return;
            };
            fixes += first.records.len();
            group.push(first);
            while fixes < MAX_GROUP_FIXES {
                match queue.try_recv() {
                    Ok(job) => {
                        fixes += job.records.len();
                        group.push(job);
                    }
                    Err(_) => break,
                }
            }
        }
        let mut all = Vec::with_capacity(fixes);
        let mut sizes = Vec::with_capacity(group.len());
        for job in &mut group {
            sizes.push(job.records.len());
            all.append(&mut job.records);
        }
        match store.insert_fixes(&all).await {
            Ok(verdicts) => {
                telemetry::group_committed(all.len(), group.len());
                let mut counts: HashMap<(&str, Option<&str>), u64> = HashMap::new();
                for (record, verdict) in all.iter().zip(&verdicts) {
                    *counts
                        .entry((record.source.as_str(), verdict.as_deref()))
                        .or_default() += 1;
                }
                for ((source, verdict), n) in counts {
                    telemetry::fixes_stored(source, verdict, n);
                }
                let mut verdicts = verdicts.into_iter();
                let mut records = all.into_iter();
                for (job, n) in group.drain(..).zip(sizes) {
                    let mine = (
                        records.by_ref().take(n).collect(),
                        verdicts.by_ref().take(n).collect(),
                    );
                    let _ = job.reply.send(Ok(mine));
                }
            }
            Err(e) => {
                let e = ApiError::from(e);
                for job in group.drain(..) {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}
