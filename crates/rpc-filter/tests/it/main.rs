//! Integration tests: a dev node, real transactions from an event-emitting contract, polled
//! over HTTP and streamed over WebSocket.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod confidential;
mod filters;
mod get_logs;
mod subscriptions;
