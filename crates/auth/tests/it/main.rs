//! Integration tests of `cloister-auth`: sign-in with real keys, tokens over a real store,
//! and the `/signin` HTTP handler.

#![allow(clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

mod common;
mod http_routes;
mod multi_address;
mod page_js;
mod sign_in;
mod tokens;
