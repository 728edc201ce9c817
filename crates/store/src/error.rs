//! Storage errors.

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no backend freshroute has.
    #[error(
        "unsupported database URL {0:?}: use sqlite://PATH (or a file path) or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl(String),
    /// A unique key is taken.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// A row refers to one that does not exist.
    #[error("{0} does not exist")]
    MissingReference(&'static str),
    /// A movement would take more of a lot from a place than the place holds: nothing of
    /// the batch it came in is stored.
    #[error("{lot} at {place} holds fewer units than movement {index} takes")]
    NotEnough {
        /// The lot.
        lot: String,
        /// The store and zone, `shop/zone`.
        place: String,
        /// The movement's place in its batch, from 0.
        index: usize,
    },
    /// A production batch's ingredient whose sellable lots hold too little: nothing of
    /// the batch is stored.
    #[error("{sku} at {place} is {units} units short")]
    Short {
        /// The ingredient.
        sku: String,
        /// The store and zone, `shop/zone`.
        place: String,
        /// Units missing.
        units: i64,
    },
    /// A value this storage will not write (a movement whose sign does not fit its kind).
    #[error("{0}")]
    Invalid(String),
    /// A lot that was recalled: none of its units enters stock again.
    #[error("lot {0} was recalled")]
    Recalled(String),
    /// A stored value could not be read back.
    #[error("stored {what} is invalid: {detail}")]
    Corrupt {
        /// Which value.
        what: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// Migrating the schema failed.
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed or is unreachable.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedUrl(_) => "unsupported_database_url",
            Self::Conflict(_) => "conflict",
            Self::MissingReference(_) => "missing_reference",
            Self::NotEnough { .. } | Self::Short { .. } => "not_enough_stock",
            Self::Invalid(_) => "invalid_value",
            Self::Recalled(_) => "recalled_lot",
            Self::Corrupt { .. } => "stored_value_invalid",
            Self::Migrate(_) => "migration_failed",
            Self::Database(_) => "database_error",
        }
    }
}
