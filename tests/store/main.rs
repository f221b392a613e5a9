//! Every integration test of the store in one binary: linking the whole crate
//! once instead of once per file keeps the test build quick on two cores.
//! Each module is one area, named by what it drives: `_db` tests call the
//! database functions on a fresh migrated database (`#[sqlx::test]`), `_http`
//! tests go through `startup::router`, `process` runs the `trove` binary.

#[path = "../common/mod.rs"]
mod common;

mod accounts_db;
mod accounts_http;
mod admin_db;
mod admin_http;
mod api_http;
mod api_writes_http;
mod cart_http;
mod catalog_db;
mod chat_http;
mod cluster;
mod facets_db;
mod forms_http;
mod http;
mod mail;
mod media_s3;
mod metrics_http;
mod orders_db;
mod payments_http;
mod process;
mod reviews_db;
mod search_db;
mod seed;
mod shared_pages_http;
mod variants_db;
mod variants_http;
mod wishlist_http;
