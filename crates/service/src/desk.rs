//! The planners' desk: the latest round and its purchase orders, stock by expiry and the
//! expected waste by store and week (`/desk`); each order with its lines, why each line is
//! there and this big (its forecast against what sold), approve, edit (priced by the
//! store's model) and reject, and its audit trail (`/desk/purchase-orders/{id}`). The
//! actions go through the same functions as the API (`purchasing.rs`). `desk_view.rs`
//! draws the pages.

use std::collections::HashMap;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use freshroute_store::{Ledger, Purchasing, Role, Sales, Storage};

use crate::ApiError;
use crate::auth::Caller;
use crate::desk_view::{self, DeskData, OrderData};
use crate::login::{Person, Screen};
use crate::pages::{Page, document};
use crate::purchasing::{self, Edit, LineEdit, Rejection, Step};
use crate::state::AppState;

/// The desk: for planners and admins.
pub(crate) struct Desk;

impl Screen for Desk {
    const ROLES: &'static [Role] = &[Role::Planner, Role::Admin];
    const PAGE: &'static str = "/desk";
}
/// Days of sales shown before a line's forecast.
const SOLD_DAYS: i64 = 14;

/// The desk.
#[utoipa::path(get, path = "/desk", tag = "pages",
    responses(
        (status = 200, description = "The planners' desk", content_type = "text/html", body = String),
        (status = 303, description = "No session: on to sign in"),
        (status = 403, description = "A key without the planner's role: a page saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn page(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
) -> Response {
    match desk_data(&state, &caller).await {
        Ok(d) => html(StatusCode::OK, "Planner's desk", &desk_view::desk(&d)),
        Err(e) => e.into_response(),
    }
}

/// One purchase order.
#[utoipa::path(get, path = "/desk/purchase-orders/{id}", tag = "pages",
    params(("id" = String, Path, description = "The order's id")),
    responses(
        (status = 200, description = "The order on the desk", content_type = "text/html", body = String),
        (status = 404, description = "No such order: a page saying so", content_type = "text/html", body = String),
    ))]
pub(crate) async fn order(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
    Path(id): Path<String>,
) -> Response {
    order_page(&state, &caller, &id, None, StatusCode::OK).await
}

/// What the desk's forms post: the version read, and per action its fields
/// (`reason`; `cases.SKU` for each line edited).
type Fields = HashMap<String, String>;

/// Approves (`approve`: the version read), edits (`edit`: the version and `cases.SKU`
/// per line; the page then says what the edit costs by the store's model) or rejects
/// (`reject`: the version and a `reason`) the order from the desk.
#[utoipa::path(post, path = "/desk/purchase-orders/{id}/{action}", tag = "pages",
    params(
        ("id" = String, Path, description = "The order's id"),
        ("action" = String, Path, description = "`approve`, `edit` or `reject`"),
    ),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`version`; `cases.SKU` per line to edit; `reason` to reject"),
    responses(
        (status = 200, description = "The order again, saying what was done", content_type = "text/html", body = String),
        (status = 409, description = "Refused by a rule: the order again, with the reason, nothing changed", content_type = "text/html", body = String),
    ))]
pub(crate) async fn act(
    State(state): State<AppState>,
    Person { caller, .. }: Person<Desk>,
    Path((id, action)): Path<(String, String)>,
    form: Result<Form<Fields>, FormRejection>,
) -> Response {
    let fields = form.map(|Form(f)| f).unwrap_or_default();
    let done = match fields_of(&fields, &action) {
        Ok(input) => run(&state, &caller, &id, input).await,
        Err(e) => Err(e),
    };
    let (said, status) = crate::pages::outcome(done);
    order_page(&state, &caller, &id, Some(said), status).await
}

/// What an action was asked, read from its form.
enum Input {
    Approve(Step),
    Reject(Rejection),
    Edit(Edit),
}

fn fields_of(fields: &Fields, action: &str) -> Result<Input, ApiError> {
    let version = match fields.get("version").map(|v| v.trim().parse::<i64>()) {
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => {
            return Err(
                ApiError::bad_request("invalid_version", "the version is a whole number")
                    .at("version"),
            );
        }
        None => None,
    };
    Ok(match action {
        "approve" => Input::Approve(Step { version }),
        "reject" => Input::Reject(Rejection {
            version,
            reason: fields.get("reason").cloned().unwrap_or_default(),
        }),
        "edit" => {
            let mut lines = Vec::new();
            for (name, value) in fields {
                let Some(sku) = name.strip_prefix("cases.") else {
                    continue;
                };
                let cases = value.trim().parse::<i64>().map_err(|_| {
                    ApiError::bad_request(
                        "invalid_cases",
                        format!("cases of {sku} must be a whole number"),
                    )
                    .at(name.clone())
                })?;
                lines.push(LineEdit {
                    sku: sku.to_string(),
                    cases,
                });
            }
            lines.sort_by(|a, b| a.sku.cmp(&b.sku));
            Input::Edit(Edit { version, lines })
        }
        other => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "unknown_action",
                format!("an order can be approved, edited or rejected, not {other:?}"),
            ));
        }
    })
}

/// Does what was asked; what to tell the planner.
async fn run(
    state: &AppState,
    caller: &Caller,
    id: &str,
    input: Input,
) -> Result<String, ApiError> {
    match input {
        Input::Approve(step) => {
            let v = purchasing::approve_order(state, caller, id, step).await?;
            let v = serde_json::to_value(&v).unwrap_or_default();
            Ok(if v["status"] == "approved" {
                format!("Order {id} is approved.")
            } else {
                format!("Your approval of order {id} is recorded; it needs another planner's.")
            })
        }
        Input::Reject(r) => {
            purchasing::reject_order(state, caller, id, r).await?;
            Ok(format!("Order {id} is rejected."))
        }
        Input::Edit(e) => {
            let v = purchasing::edit_order(state, caller, id, e).await?;
            let v = serde_json::to_value(&v).unwrap_or_default();
            let cost = v["edit_cost_cents"].as_i64().unwrap_or(0);
            let more = if cost >= 0 { "more" } else { "less" };
            Ok(format!(
                "Order {id} is edited. By the store's model the plan around it now costs {} {more} than the round's plan (the model ended {}).",
                crate::pages::money(cost.abs()),
                v["edit_cost_model_status"]
                    .as_str()
                    .unwrap_or("?")
                    .replace('_', " ")
            ))
        }
    }
}

async fn order_page(
    state: &AppState,
    caller: &Caller,
    id: &str,
    said: Option<crate::pages::Said>,
    status: StatusCode,
) -> Response {
    match order_data(state, caller, id, said).await {
        Ok(Some(d)) => html(
            status,
            &format!("Purchase order {id}"),
            &desk_view::order(&d),
        ),
        Ok(None) => crate::pages::problem(
            StatusCode::NOT_FOUND,
            "No such purchase order",
            &format!("No purchase order has the id {id:?}."),
            "<p><a href=\"/desk\">Back to the desk</a></p>\n",
        ),
        Err(e) => e.into_response(),
    }
}

async fn desk_data(state: &AppState, caller: &Caller) -> Result<DeskData, ApiError> {
    Ok(DeskData {
        who: crate::login::who(caller),
        round: state.store.latest_round().await?,
        orders: state.store.purchase_orders(None, None, 200).await?,
        lots: state.store.stock(None).await?,
        stores: store_names(state).await?,
        policy: state.purchasing,
        zone: state.time_zone,
        today: state.time_zone.date_of(state.clock.now_ms()),
    })
}

async fn order_data(
    state: &AppState,
    caller: &Caller,
    id: &str,
    said: Option<crate::pages::Said>,
) -> Result<Option<OrderData>, ApiError> {
    let Some(order) = state.store.purchase_order(id).await? else {
        return Ok(None);
    };
    let today = state.time_zone.date_of(state.clock.now_ms());
    let from = today - chrono::Duration::days(SOLD_DAYS);
    let sales = state
        .store
        .sales_from(&from.format("%Y-%m-%d").to_string())
        .await?
        .into_iter()
        .filter(|s| s.shop_id == order.shop_id)
        .map(|s| ((s.sku, s.date), s.units))
        .collect();
    Ok(Some(OrderData {
        who: crate::login::who(caller),
        events: state.store.purchase_order_events(id).await?,
        names: crate::auth::key_names(state).await?,
        stores: store_names(state).await?,
        lines: crate::rounds::stored_lines(&order)?,
        order,
        sales,
        policy: state.purchasing,
        zone: state.time_zone,
        said,
    }))
}

async fn store_names(state: &AppState) -> Result<HashMap<String, String>, ApiError> {
    Ok(state
        .store
        .shops()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

pub(crate) fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let title = format!("{} · freshroute", crate::pages::esc(title));
    let style = format!("{}{}", desk_view::STYLE, crate::charts::STYLE);
    document(
        status,
        &Page {
            title: &title,
            style: &style,
            script: None,
            main_attrs: "",
            body,
        },
    )
}
