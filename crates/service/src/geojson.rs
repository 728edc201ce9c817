//! The GeoJSON shapes the API answers with, typed once for every endpoint and for the
//! OpenAPI document: a Feature with its properties, a FeatureCollection of them, and a
//! place seen at a time.

use serde::Serialize;
use serde_json::Value;

/// A GeoJSON Feature.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Feature<P> {
    /// `Feature`.
    #[serde(rename = "type")]
    #[schema(example = "Feature")]
    kind: &'static str,
    /// The record's id, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// A GeoJSON geometry: a `Point` (`[lon, lat]`) or a `LineString`; `null` when
    /// the record has no place yet.
    #[schema(value_type = Object)]
    geometry: Value,
    /// What the feature is.
    pub(crate) properties: P,
}

impl<P> Feature<P> {
    /// A feature with an id.
    pub(crate) fn new(id: Option<String>, geometry: Value, properties: P) -> Self {
        Self {
            kind: "Feature",
            id,
            geometry,
            properties,
        }
    }
}

/// A GeoJSON FeatureCollection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct FeatureCollection<F> {
    /// `FeatureCollection`.
    #[serde(rename = "type")]
    #[schema(example = "FeatureCollection")]
    kind: &'static str,
    /// The features.
    features: Vec<F>,
}

impl<F> FeatureCollection<F> {
    /// A collection of `features`.
    pub(crate) fn of(features: Vec<F>) -> Self {
        Self {
            kind: "FeatureCollection",
            features,
        }
    }
}

/// Where something is, and since when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Sighting {
    /// A GeoJSON Point.
    #[schema(value_type = Object)]
    pub(crate) geometry: Value,
    /// When it was there, ISO 8601.
    pub(crate) time: String,
}
