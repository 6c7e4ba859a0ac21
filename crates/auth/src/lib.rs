//! `cloister-auth`: who is calling. Sign-in with Ethereum (EIP-4361) with single-use nonces,
//! bearer tokens stored only as hashes, and the `/signin` page and JSON endpoints.
//!
//! The TLS server owns the sockets and routing: it hands `/signin…` requests to
//! [`http::handle`], finds a request's token with [`bearer_token`] or [`path_token`], and turns
//! it into a caller with [`AuthService::resolve`].

pub mod extract;
pub mod http;
pub mod message;
pub mod nonce;
pub mod service;
pub mod siwe_check;
pub mod time;
pub mod token;

pub use extract::{RPC_PATH_PREFIX, bearer_token, path_token};
pub use http::{handle, handle_with_bearer};
pub use message::{MessageFormatError, SiweMessage, message_text};
pub use nonce::{NonceError, NonceStore};
pub use service::{
    AddressAdded, AuthConfig, AuthConfigError, AuthError, AuthService, SignInChallenge, SignInGate,
    SignInResult,
};
pub use siwe_check::{SignInRules, SiweError, verify_sign_in};
pub use token::{
    IssuedToken, MAX_TOKEN_ADDRESSES, TokenError, TokenInfo, TokenOwner, TokenStore, token_hash,
};
