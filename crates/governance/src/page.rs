//! The `/governance` page the node serves beside `/signin`: one self-contained HTML file
//! (inline script and style, no external fetches) that reads the contract's views with
//! `eth_call` and lets a member propose and vote through their wallet.

/// The page, as served.
pub const GOVERNANCE_PAGE: &str = include_str!("../page/governance.html");
