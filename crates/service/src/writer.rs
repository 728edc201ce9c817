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
        let Err((e, failed)) = commit(&store, &mut group).await else {
            continue;
        };
        if failed.len() == 1 {
            fail(failed, &e);
            continue;
        }
        // One request's rows must never fail another's: each is tried alone, and only
        // the ones that fail alone hear of it.
        for job in failed {
            if let Err((e, failed)) = commit(&store, &mut vec![job]).await {
                fail(failed, &e);
            }
        }
    }
}

fn fail(jobs: Vec<Job>, e: &ApiError) {
    for job in jobs {
        let _ = job.reply.send(Err(e.clone()));
    }
}

/// Commits the fixes of `group` in one transaction and answers each job; on failure the
/// jobs come back unanswered, with their records, and the error.
async fn commit<S: Storage>(store: &S, group: &mut Vec<Job>) -> Result<(), (ApiError, Vec<Job>)> {
    let mut all = Vec::new();
    let mut sizes = Vec::with_capacity(group.len());
    for job in group.iter_mut() {
        sizes.push(job.records.len());
        all.append(&mut job.records);
    }
    let verdicts = match store.insert_fixes(&all).await {
        Ok(v) => v,
        Err(e) => {
            let mut records = all.into_iter();
            let mut failed = std::mem::take(group);
            for (job, n) in failed.iter_mut().zip(&sizes) {
                job.records = records.by_ref().take(*n).collect();
            }
            return Err((ApiError::from(e), failed));
        }
    };
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use freshroute_store::{Courier, SqliteStore};

    use super::*;

    fn record(lat: f64, fix_ms: i64) -> Vec<FixRecord> {
        vec![FixRecord {
            courier_id: "c1".into(),
            fix_ms,
            server_ms: fix_ms,
            lat,
            lon: -8.6,
            speed_mps: None,
            bearing_deg: None,
            altitude_m: None,
            accuracy_m: None,
            battery_pct: None,
            source: "batch".into(),
            reason: None,
        }]
    }

    #[tokio::test]
    async fn a_row_the_database_refuses_fails_only_its_own_request() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("writer.db");
        let store = SqliteStore::open(path.to_str().expect("utf-8"))
            .await
            .expect("open");
        store
            .insert_courier(&Courier {
                id: "c1".into(),
                name: "Ana".into(),
                profile: "bike".into(),
                box_capacity: 4,
                skills: vec![],
                time_zone: "UTC".to_string(),
                roster: Default::default(),
                duty: Some(freshroute_store::Duty {
                    on: true,
                    from_ms: 0,
                    until_ms: 1,
                }),
                device_id: "864".into(),
                secret_hash: "h".into(),
                created_ms: 0,
                retired_ms: None,
            })
            .await
            .expect("courier");
        let writer = Writer::spawn(store);
        // Three requests waiting together form one group; SQLite binds NaN as NULL
        // into a NOT NULL column, so the middle one can never be stored.
        let (a, bad, b) = tokio::join!(
            writer.write(record(41.1, 1_000)),
            writer.write(record(f64::NAN, 2_000)),
            writer.write(record(41.2, 3_000)),
        );
        assert!(a.is_ok(), "{a:?}");
        assert!(b.is_ok(), "{b:?}");
        assert!(bad.is_err());
    }
}
