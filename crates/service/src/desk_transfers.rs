//! Transfers on the planner's desk (`/desk/transfers`): the proposals with why each is
//! there, its units to edit, approve and reject; those on their way, with a recalled
//! lot flagged and a button to record them delivered; a button to propose again now.
//! The actions go through the same functions as the API (`transfers.rs`).

use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_store::{Decision, Transfer, TransferStatus, Transfers};
use serde::Deserialize;

use crate::ApiError;
use crate::desk::{Desk, html};
use crate::desk_view::header;
use crate::login::Person;
use crate::pages::{Said, esc, outcome, said_banner};
use crate::state::AppState;
use crate::stock::today;
use crate::transfer_proposals::propose_now;
use crate::transfers::decide_as;

/// The transfers page.
#[utoipa::path(get, path = "/desk/transfers", tag = "pages",
    responses(
        (status = 200, description = "Proposals to decide and transfers on their way", content_type = "text/html", body = String),
        (status = 303, description = "No session: on to sign in"),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
) -> Response {
    let who = crate::login::who(&caller);
    transfers_page(&state, &who, None, StatusCode::OK).await
}

/// What the page's forms post.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ActForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    units: String,
}

/// Proposes again (`propose`), approves (`approve`, with the units shown: changed ones
/// are edited first), rejects (`reject`) or records delivered (`delivered`).
#[utoipa::path(post, path = "/desk/transfers/{action}", tag = "pages",
    params(("action" = String, Path, description = "`propose`, `approve`, `reject` or `delivered`")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`id`, `version` and `units`"),
    responses(
        (status = 200, description = "The page again, saying what was done", content_type = "text/html", body = String),
        (status = 409, description = "Refused (changed meanwhile, not open, the donor short): the page saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn act(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
    Path(action): Path<String>,
    form: Result<Form<ActForm>, FormRejection>,
) -> Response {
    let who = crate::login::who(&caller);
    let f = form.map(|Form(f)| f).unwrap_or_default();
    let done = act_on(&state, &caller.by_key(), &action, &f).await;
    let (said, status) = outcome(done);
    transfers_page(&state, &who, Some(said), status).await
}

async fn act_on(
    state: &AppState,
    actor: &str,
    action: &str,
    f: &ActForm,
) -> Result<String, ApiError> {
    if action == "propose" {
        let p = propose_now(state).await?;
        return Ok(match p.notice {
            Some(n) => format!("Nothing to weigh yet ({n}): run a procurement round first."),
            None => format!(
                "{} transfer{} proposed in {} ms from {} needs.",
                p.transfers.len(),
                if p.transfers.len() == 1 { "" } else { "s" },
                p.took_ms,
                p.needs
            ),
        });
    }
    let bad = |what: &str| {
        ApiError::unprocessable(
            "invalid_form",
            format!("the form's {what} is missing or not a number"),
        )
    };
    let id = f.id.trim();
    let version: i64 = f.version.trim().parse().map_err(|_| bad("version"))?;
    let t = match action {
        "approve" => {
            let units: i64 = f.units.trim().parse().map_err(|_| bad("units"))?;
            let mut version = version;
            let current = state.store.transfer(id).await?;
            if current.is_some_and(|c| c.units != units) {
                let edited =
                    decide_as(state, actor, id, &Decision::Edit { version, units }).await?;
                version = edited.version;
            }
            let today = today(state).to_string();
            decide_as(state, actor, id, &Decision::Approve { version, today }).await?
        }
        "reject" => decide_as(state, actor, id, &Decision::Reject { version }).await?,
        "delivered" => decide_as(state, actor, id, &Decision::Deliver).await?,
        _ => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_action",
                format!("{action:?} is not a transfer action"),
            ));
        }
    };
    Ok(format!(
        "Transfer of {} {} from {} to {} is {}.",
        t.units,
        t.sku,
        t.from_shop,
        t.to_shop,
        t.status.as_str()
    ))
}

async fn transfers_page(
    state: &AppState,
    who: &str,
    said: Option<Said>,
    status: StatusCode,
) -> Response {
    let proposed = state.store.transfers(Some(TransferStatus::Proposed)).await;
    let approved = state.store.transfers(Some(TransferStatus::Approved)).await;
    let (proposed, approved) = match (proposed, approved) {
        (Ok(p), Ok(a)) => (p, a),
        (Err(e), _) | (_, Err(e)) => return ApiError::from(e).into_response(),
    };
    let mut body = header(who);
    if let Some(s) = &said {
        body += &said_banner(s);
    }
    body += "<section aria-labelledby=\"proposed\"><h2 id=\"proposed\">Proposed transfers</h2>\
        <form method=\"post\" action=\"/desk/transfers/propose\"><button type=\"submit\">Propose transfers now</button></form>";
    body += &proposals_table(&proposed);
    body +=
        "</section><section aria-labelledby=\"on-the-way\"><h2 id=\"on-the-way\">On their way</h2>";
    body += &on_the_way_table(&approved);
    body += "</section>";
    html(status, "Transfers", &body)
}

fn summary(t: &Transfer) -> String {
    serde_json::from_str::<serde_json::Value>(&t.why)
        .ok()
        .and_then(|w| w["summary"].as_str().map(str::to_string))
        .unwrap_or_default()
}

fn proposals_table(list: &[Transfer]) -> String {
    if list.is_empty() {
        return "<p>No proposals waiting.</p>".to_string();
    }
    let mut out = String::from(
        "<table><caption>Each proposal: what it moves, what it saves, why</caption><thead><tr>\
         <th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Article</th>\
         <th scope=\"col\">Saves</th><th scope=\"col\">Why</th>\
         <th scope=\"col\">Units, and the decision</th></tr></thead><tbody>",
    );
    for t in list {
        let form = |action: &str| {
            if action == "approve" {
                format!(
                    "<input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\">\
                     <button type=\"submit\">Approve</button> ",
                    esc(&t.id),
                    t.version
                )
            } else {
                "<button type=\"submit\" formaction=\"/desk/transfers/reject\">Reject</button>"
                    .to_string()
            }
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2} €</td><td>{}</td>\
             <td><form method=\"post\" action=\"/desk/transfers/approve\">\
             <label for=\"u-{id}\">Units</label> \
             <input id=\"u-{id}\" name=\"units\" type=\"number\" min=\"1\" step=\"1\" value=\"{}\" size=\"5\"> {}{}</form></td></tr>",
            esc(&t.from_shop),
            esc(&t.to_shop),
            esc(&t.sku),
            t.value_cents as f64 / 100.0,
            esc(&summary(t)),
            t.units,
            form("approve"),
            form("reject"),
            id = esc(&t.id),
        );
    }
    out += "</tbody></table>";
    out
}

fn on_the_way_table(list: &[Transfer]) -> String {
    if list.is_empty() {
        return "<p>Nothing on its way.</p>".to_string();
    }
    let mut out = String::from(
        "<table><caption>Approved transfers not yet delivered</caption><thead><tr>\
         <th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Article</th>\
         <th scope=\"col\">Units</th><th scope=\"col\">Recall</th><th scope=\"col\">Arrived</th></tr></thead><tbody>",
    );
    for t in list {
        let recall = t.recalled_lot.as_deref().map_or(String::new(), |lot| {
            format!(
                "<strong class=\"error\">lot {} recalled: set aside</strong>",
                esc(lot)
            )
        });
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><form method=\"post\" action=\"/desk/transfers/delivered\">\
             <input type=\"hidden\" name=\"id\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\">\
             <button type=\"submit\">Delivered</button></form></td></tr>",
            esc(&t.from_shop),
            esc(&t.to_shop),
            esc(&t.sku),
            t.units,
            recall,
            esc(&t.id),
            t.version
        );
    }
    out += "</tbody></table>";
    out
}
