//! Test support: a throwaway PostgreSQL database per test run, and a store to put
//! stock in.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use crate::{Shop, StoreError};

/// A store in Porto with a fridge, a freezer and shelves, open always, created at
/// `created_ms`: what tests and benchmarks of stock put lots in.
pub fn porto_store(id: &str, created_ms: i64) -> Shop {
    Shop {
        id: id.to_string(),
        name: format!("Store {id}"),
        address: "Rua de Santa Catarina 100, Porto".to_string(),
        lat: 41.1496,
        lon: -8.6066,
        snapped: serde_json::json!({}),
        opening_hours: serde_json::json!([]),
        frozen_litres: 300,
        chilled_litres: 600,
        ambient_litres: 2_000,
        created_ms,
        time_zone: "Europe/Lisbon".to_string(),
        retired_ms: None,
    }
}

/// A database created for one run on the server a URL names, dropped by [`drop_now`](Self::drop_now).
#[derive(Debug)]
pub struct TempPgDatabase {
    server: String,
    name: String,
    url: String,
}

impl TempPgDatabase {
    /// Creates a database with a fresh name on the server of `url`.
    pub async fn create(url: &str) -> Result<Self, StoreError> {
        let (server, query) = match url.split_once('?') {
            Some((s, q)) => (s, format!("?{q}")),
            None => (url, String::new()),
        };
        let base = server
            .rsplit_once('/')
            .filter(|(b, _)| b.contains("://") && !b.ends_with('/'))
            .map_or(server, |(b, _)| b);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!("freshroute_test_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::connect(url).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await?;
        Ok(Self {
            server: url.to_string(),
            url: format!("{base}/{name}{query}"),
            name,
        })
    }

    /// The new database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database, closing what is still connected to it.
    pub async fn drop_now(self) -> Result<(), StoreError> {
        let mut admin = PgConnection::connect(&self.server).await?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&mut admin)
        .await?;
        Ok(())
    }
}
