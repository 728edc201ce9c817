//! [`crate::AnyStore`] answers each call of a trait with the backend it holds.

/// Implements `$trait` for `AnyStore` by handing each listed method to the backend it
/// holds; every method returns `Result<$ret, StoreError>`.
macro_rules! any_store {
    ($trait:ident { $( fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty; )* }) => {
        impl $trait for $crate::AnyStore {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> Result<$ret, $crate::StoreError> {
                    match self {
                        $crate::AnyStore::Sqlite(s) => s.$name($($arg),*).await,
                        $crate::AnyStore::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

pub(crate) use any_store;
