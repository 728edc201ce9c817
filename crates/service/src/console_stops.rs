//! The console's actions on a courier's stops: one moved earlier or later (its buttons,
//! or a drag), and the order let go. Both go through `stop_orders`, the API's own rules.

use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::auth::Caller;
use crate::console::{Dispatch, answer};
use crate::login::Person;
use crate::pages::{query_escape, see_other};
use crate::state::AppState;
use crate::stop_orders;

/// A stop moved in its courier's route, as the console's Earlier and Later buttons and
/// its drag post it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct Reorder {
    /// The courier.
    courier_id: String,
    /// `{place}:{kind}:{order_id}`: the stop (`pickup` or `delivery` of the order) and
    /// its new place in the route, from 0.
    #[serde(rename = "move")]
    step: String,
}

/// A courier, as the console's forms post it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct Whose {
    /// The courier.
    courier_id: String,
}

/// Moves a stop to another place in its courier's route, through the same rules as
/// `PUT /v1/couriers/{id}/stop-order` (the route judged as the planner would hold it,
/// its orders pinned to the courier): the plan keeps that order from then on.
#[utoipa::path(post, path = "/console/reorder", tag = "pages",
    request_body(content = Reorder, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Re-ordered: back to the console, saying so"),
        (status = 409, description = "Refused: the console with the reason", content_type = "text/html", body = String),
    ))]
pub(crate) async fn reorder(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<Reorder>, FormRejection>,
) -> Response {
    let moved = match form {
        Ok(Form(r)) => match parse_step(&r.step) {
            Some(step) => move_stop(&state, &caller, &r.courier_id, step).await,
            None => Err((
                StatusCode::BAD_REQUEST,
                "the move named no stop".to_string(),
            )),
        },
        Err(_) => Err((
            StatusCode::BAD_REQUEST,
            "the form was incomplete; choose a stop to move".to_string(),
        )),
    };
    match moved {
        Ok(courier) => see_other(
            &format!("/console?done=reordered&courier={}", query_escape(&courier)),
            "",
        ),
        Err((status, why)) => answer(&state, &caller, (false, why), status).await,
    }
}

/// Lets the plan order a courier's stops again.
#[utoipa::path(post, path = "/console/release", tag = "pages",
    request_body(content = Whose, content_type = "application/x-www-form-urlencoded"),
    responses((status = 303, description = "Released: back to the console, saying so")))]
pub(crate) async fn release(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Dispatch>,
    form: Result<Form<Whose>, FormRejection>,
) -> Response {
    let Ok(Form(w)) = form else {
        let said = (false, "the form named no courier".to_string());
        return answer(&state, &caller, said, StatusCode::BAD_REQUEST).await;
    };
    match stop_orders::clear(&state, &caller, &w.courier_id).await {
        Ok(()) => see_other(
            &format!(
                "/console?done=released&courier={}",
                query_escape(&w.courier_id)
            ),
            "",
        ),
        Err(e) => {
            let said = (false, e.message.clone());
            answer(&state, &caller, said, e.status).await
        }
    }
}

/// A move's new place, kind and order: `{place}:{kind}:{order_id}`.
fn parse_step(step: &str) -> Option<(usize, &str, &str)> {
    let mut parts = step.splitn(3, ':');
    let to = parts.next()?.parse().ok()?;
    let kind = parts
        .next()
        .filter(|k| matches!(*k, "pickup" | "delivery"))?;
    let order = parts.next().filter(|o| !o.is_empty())?;
    Some((to, kind, order))
}

/// Moves the stop in the courier's planned route and sets that as its stop order.
async fn move_stop(
    state: &AppState,
    caller: &Caller,
    courier: &str,
    (to, kind, order): (usize, &str, &str),
) -> Result<String, (StatusCode, String)> {
    let mut stops = stop_orders::planned_stops(state, courier).await;
    let Some(from) = stops
        .iter()
        .position(|s| s.order_id == order && s.kind == kind)
    else {
        return Err((
            StatusCode::CONFLICT,
            format!(
                "the {kind} of order {order} is no longer in {courier}'s route; the plan changed, look again"
            ),
        ));
    };
    let stop = stops.remove(from);
    stops.insert(to.min(stops.len()), stop);
    match stop_orders::set(state, caller, courier, stops).await {
        Ok(()) => Ok(courier.to_string()),
        Err(e) => Err((
            e.status,
            format!("{courier}'s stops were not changed: {}", e.message),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_move_names_its_place_kind_and_order_or_nothing() {
        assert_eq!(parse_step("2:pickup:o:1"), Some((2, "pickup", "o:1")));
        assert_eq!(parse_step("x:pickup:o1"), None);
        assert_eq!(parse_step("1:lunch:o1"), None);
        assert_eq!(parse_step("1:delivery:"), None);
    }
}
