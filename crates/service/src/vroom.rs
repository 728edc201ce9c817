//! `POST /v1/solve/vroom`: a problem in VROOM's format solved by freshroute's solver
//! ([`freshroute_formats::vroom`]), a few at a time, within the request's time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use freshroute_formats::vroom::{VroomError, VroomErrorKind, VroomProblem, VroomSolution};
use freshroute_store::Role;
use serde::Deserialize;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::Caller;
use crate::places::MAX_ROAD_DISTANCE;
use crate::state::AppState;
use crate::{ApiError, ErrorBody};

impl From<VroomError> for ApiError {
    fn from(e: VroomError) -> Self {
        let status = match e.kind {
            VroomErrorKind::Invalid => StatusCode::BAD_REQUEST,
            VroomErrorKind::Unprocessable => StatusCode::UNPROCESSABLE_ENTITY,
            VroomErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let error = ApiError::new(status, e.code, e.message);
        match e.field {
            Some(field) => error.at(field),
            None => error,
        }
    }
}

/// Longest search a request may ask for, seconds.
const MAX_TIME_LIMIT_S: f64 = 20.0;
/// What an answer needs after the search (the solution in VROOM's terms, the reply):
/// the search ends this long before the request's timeout at the latest.
const ANSWER_MARGIN: Duration = Duration::from_secs(3);

/// Solves that run at once, and requests that may wait for one: each large solve holds
/// hundreds of megabytes and a core, so more at once would only slow all of them and
/// the fixes coming in.
#[derive(Debug, Clone)]
pub struct SolveSlots {
    running: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
}

impl Default for SolveSlots {
    fn default() -> Self {
        Self::new(2, 4)
    }
}

impl SolveSlots {
    /// `running` solves at once, `max_waiting` more waiting for one.
    pub fn new(running: usize, max_waiting: usize) -> Self {
        Self {
            running: Arc::new(Semaphore::new(running.max(1))),
            waiting: Arc::default(),
            max_waiting,
        }
    }

    /// A slot, waited for until `deadline` at the latest; refused at once when the
    /// queue is full.
    async fn take(&self, deadline: Instant) -> Result<OwnedSemaphorePermit, ApiError> {
        let busy = || {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "solver_busy",
                "every solver slot is taken and the queue is full; retry in a few seconds",
            )
        };
        if let Ok(permit) = self.running.clone().try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        let waited =
            tokio::time::timeout_at(deadline.into(), self.running.clone().acquire_owned()).await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        match waited {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy()),
        }
    }
}

/// Time the search may take, seconds: `?time_limit=S`, 0.1 to 20 (default 1).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct SolveOptions {
    /// Seconds the search may take (0.1 to 20; default 1). The search stops earlier
    /// when waiting for a solver slot and building travel times leave less of the
    /// request's 30 s.
    time_limit: Option<f64>,
}

/// Solves a problem given in VROOM's format and answers in VROOM's solution format.
#[utoipa::path(post, path = "/v1/solve/vroom", tag = "planning", params(SolveOptions),
    security(("api_key" = [])),
    request_body(content = Value, description = "A VROOM problem: `jobs`, `shipments`, `vehicles`, and optionally `matrix` or `matrices`"),
    responses(
        (status = 200, description = "VROOM's solution: `code` 0, `summary`, `unassigned`, `routes` with `steps`", body = VroomSolution),
        (status = 400, description = "Invalid problem, or a feature not supported (breaks, vehicles without a start)", body = ErrorBody),
        (status = 422, description = "A location far from any road, or unreachable", body = ErrorBody),
        (status = 503, description = "Every solver slot is taken and the queue is full (`solver_busy`): retry in a few seconds", body = ErrorBody),
    ))]
pub(crate) async fn solve_vroom(
    State(state): State<AppState>,
    caller: Caller,
    Query(options): Query<SolveOptions>,
    body: Result<Json<VroomProblem>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<VroomSolution>, ApiError> {
    let deadline = Instant::now() + crate::REQUEST_TIMEOUT - ANSWER_MARGIN;
    caller.require(&[Role::Admin, Role::Dispatcher])?;
    let limit = options.time_limit.unwrap_or(1.0);
    if !(0.1..=MAX_TIME_LIMIT_S).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_time_limit",
            format!("time_limit is 0.1 to {MAX_TIME_LIMIT_S} seconds"),
        )
        .at("time_limit"));
    }
    let Json(problem) = body?;
    let slot = state.solve_slots.take(deadline).await?;
    let roads = state.roads.clone();
    let limit = Duration::from_secs_f64(limit);
    tokio::task::spawn_blocking(move || {
        let answer =
            freshroute_formats::vroom::solve(&problem, &roads, MAX_ROAD_DISTANCE, limit, deadline);
        drop(slot);
        answer
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "solver_failed",
            "the solver stopped unexpectedly; nothing was planned",
        )
    })?
    .map(Json)
    .map_err(ApiError::from)
}
