//! Production in the store: a batch of a recipe of the catalog takes its ingredients
//! from the store's lots oldest first and makes a lot of its own, good for the recipe's
//! hours, so a trace passes through it (a `used` movement's reference is the batch, the
//! made lot's `made_by`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use freshroute_store::{Batch, Ingredient, Ledger, Lot, Storage};
use serde::{Deserialize, Serialize};

use crate::ApiError;
use crate::auth::{Caller, new_secret};
use crate::error::ErrorBody;
use crate::state::AppState;
use crate::stock::{STOCK_KEEPERS, storage_zone, zone_of_article};

/// Most batches one request makes.
const MAX_BATCHES: i64 = 50;

/// A batch to make.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BatchRequest {
    /// A recipe of the catalog.
    #[schema(example = "STRAWBERRY-CAKE")]
    recipe: String,
    /// How many of the recipe's batches, made as one (1 to 50) [default: 1].
    #[serde(default)]
    batches: Option<i64>,
}

/// A lot an ingredient was taken from.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UsedLot {
    /// The lot.
    lot_id: String,
    /// Units used.
    units: i64,
}

/// A batch made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct BatchView {
    /// The batch: the reference of its movements.
    batch_id: String,
    /// The store.
    store_id: String,
    /// The lot it made.
    lot_id: String,
    /// The article made.
    sku: String,
    /// Units made.
    units: i64,
    /// `frozen`, `chilled` or `ambient`.
    zone: &'static str,
    /// When its units may no longer be sold, ISO 8601 with its offset.
    expires_at: String,
    /// The lots its ingredients came from, oldest last day first.
    used: Vec<UsedLot>,
}

/// Makes a batch of a recipe in a store.
#[utoipa::path(post, path = "/v1/stores/{id}/batches", tag = "procurement",
    params(("id" = String, Path, description = "The store")),
    request_body = BatchRequest, security(("api_key" = [])),
    responses(
        (status = 201, description = "The batch: its lot, units, hours and the lots it used", body = BatchView),
        (status = 404, description = "No such store (`unknown_store`)", body = ErrorBody),
        (status = 409, description = "An ingredient's sellable lots hold too little (`not_enough_stock`): nothing is made", body = ErrorBody),
        (status = 422, description = "No such recipe (`unknown_recipe`), batches out of range (`invalid_batches`)", body = ErrorBody),
        (status = 503, description = "No procurement data loaded", body = ErrorBody),
    ))]
pub(crate) async fn make(
    State(state): State<AppState>,
    caller: Caller,
    Path(store_id): Path<String>,
    body: Result<Json<BatchRequest>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<BatchView>), ApiError> {
    caller.require(&STOCK_KEEPERS)?;
    let Json(req) = body?;
    if state.store.shop(&store_id).await?.is_none() {
        return Err(crate::shops::unknown_shop(&store_id));
    }
    let data = state.procurement.clone().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_procurement_data",
            "the service was started without procurement data, which holds the recipes: start it with --procurement-data DIR",
        )
    })?;
    let recipe = data.catalog.recipe(&req.recipe).ok_or_else(|| {
        let known: Vec<&str> = data.catalog.recipes.iter().map(|r| r.id.as_str()).collect();
        ApiError::unprocessable(
            "unknown_recipe",
            format!("no recipe {:?}; the catalog has {known:?}", req.recipe),
        )
        .at("recipe")
    })?;
    let batches = req.batches.unwrap_or(1);
    if !(1..=MAX_BATCHES).contains(&batches) {
        return Err(ApiError::unprocessable(
            "invalid_batches",
            format!("{batches} batches: make 1 to {MAX_BATCHES} at once"),
        )
        .at("batches"));
    }
    let mut ingredients = Vec::with_capacity(recipe.ingredients.len());
    for l in &recipe.ingredients {
        // A checked catalog's recipes use its own articles.
        let Some(zone) = zone_of_article(&data, &l.sku) else {
            continue;
        };
        ingredients.push(Ingredient {
            sku: l.sku.clone(),
            zone,
            units: l.units * batches,
        });
    }
    let now = state.clock.now_ms();
    let expires_ms = now + recipe.shelf_life_hours * 3_600_000;
    let batch_id = format!("b-{}", &new_secret("")[..12]);
    let made = Batch {
        id: batch_id.clone(),
        shop_id: store_id.clone(),
        made: Lot {
            id: Lot::supplier_lot_id(&recipe.id, &batch_id),
            sku: recipe.id.clone(),
            lot_number: batch_id.clone(),
            expiry_date: state.time_zone.date_of(expires_ms).to_string(),
            po_id: None,
            made_by: Some(batch_id.clone()),
            recalled_ms: None,
            created_ms: now,
            expires_ms: Some(expires_ms),
        },
        zone: storage_zone(recipe.zone),
        units: recipe.batch_units * batches,
        ingredients,
        today: state.time_zone.date_of(now).to_string(),
        actor: caller.by_key(),
        at_ms: now,
    };
    let moves = state.store.produce(&made).await?;
    let used = moves
        .iter()
        .filter(|m| m.lot_id != made.made.id)
        .map(|m| UsedLot {
            lot_id: m.lot_id.clone(),
            units: -m.units,
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(BatchView {
            batch_id,
            store_id,
            lot_id: made.made.id.clone(),
            sku: recipe.id.clone(),
            units: made.units,
            zone: made.zone.as_str(),
            expires_at: state.time_zone.format(expires_ms),
            used,
        }),
    ))
}
