//! The sign-in service: hands out nonces, turns a signed EIP-4361 message into a personal RPC
//! URL, and resolves, lists and revokes tokens. Plain functions; the server does the HTTP.

use crate::{
    message::SiweMessage,
    nonce::NonceStore,
    siwe_check::{SignInRules, SiweError, verify_sign_in},
    time::{format_rfc3339, unix_now},
    token::{TokenError, TokenOwner, TokenStore},
};
use cloister_primitives::Address;
use cloister_storage::Store;
use std::{sync::Arc, time::Duration};
use zeroize::Zeroizing;

/// The statement the sign-in page puts in every message.
pub const SIGN_IN_STATEMENT: &str = "Sign in to get a personal RPC URL for this Cloister node.";
/// Default lifetime of an issued token.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Decides whether an address may sign in at all (the policy's allow-list, membership...).
pub type SignInGate = Arc<dyn Fn(&Address) -> bool + Send + Sync>;

/// How the node presents itself to wallets. Not serde: `may_sign_in` is code.
#[derive(Clone)]
pub struct AuthConfig {
    /// `host[:port]` exactly as the browser sees it (the message's domain must equal it).
    pub domain: String,
    /// Our chain id.
    pub chain_id: u64,
    /// Name shown by wallets when the network is added.
    pub chain_name: String,
    /// How long an issued token works.
    pub token_lifetime: Duration,
    /// Scheme and authority of the RPC endpoint, e.g. `https://host:port` (no trailing `/`).
    pub rpc_base_url: String,
    /// Whether an address may sign in; `false` refuses with [`AuthError::NotAllowed`].
    pub may_sign_in: SignInGate,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("domain", &self.domain)
            .field("chain_id", &self.chain_id)
            .field("chain_name", &self.chain_name)
            .field("token_lifetime", &self.token_lifetime)
            .field("rpc_base_url", &self.rpc_base_url)
            .finish_non_exhaustive()
    }
}

/// A configuration that cannot work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthConfigError {
    /// The domain is empty or holds a scheme, path or whitespace.
    #[error("auth domain must be host[:port]")]
    Domain,
    /// The RPC base URL is not `http(s)://authority` without a path.
    #[error("rpc base URL must be http(s)://host[:port] without a path")]
    RpcBaseUrl,
    /// Tokens would expire at once.
    #[error("token lifetime must be at least one second")]
    TokenLifetime,
}

impl AuthConfig {
    /// A configuration letting every address sign in, with the default token lifetime.
    pub fn new(domain: &str, chain_id: u64, chain_name: &str, rpc_base_url: &str) -> Self {
        Self {
            domain: domain.to_owned(),
            chain_id,
            chain_name: chain_name.to_owned(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            rpc_base_url: rpc_base_url.trim_end_matches('/').to_owned(),
            may_sign_in: Arc::new(|_| true),
        }
    }

    /// Refuses configurations whose URLs or lifetimes cannot work.
    pub fn validate(&self) -> Result<(), AuthConfigError> {
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "/?#@".contains(c);
        if self.domain.is_empty() || self.domain.contains(bad_char) {
            return Err(AuthConfigError::Domain);
        }
        let authority = self
            .rpc_base_url
            .strip_prefix("https://")
            .or_else(|| self.rpc_base_url.strip_prefix("http://"))
            .ok_or(AuthConfigError::RpcBaseUrl)?;
        if authority.is_empty() || authority.contains(bad_char) {
            return Err(AuthConfigError::RpcBaseUrl);
        }
        if self.token_lifetime.as_secs() == 0 {
            return Err(AuthConfigError::TokenLifetime);
        }
        Ok(())
    }
}

/// Why a sign-in or token operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The signed message was refused.
    #[error(transparent)]
    SignIn(#[from] SiweError),
    /// The signature is good but this address may not sign in.
    #[error("address not allowed to sign in")]
    NotAllowed,
    /// The token presented to add an address to is malformed, unknown, expired or revoked.
    #[error("invalid or expired token: sign in again")]
    UnknownToken,
    /// Token storage failed (or the token holds as many addresses as it may).
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// What a client needs to build the message to sign (`GET /signin/nonce`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInChallenge {
    /// Single-use nonce.
    pub nonce: String,
    /// Domain the message must name.
    pub domain: String,
    /// Chain id the message must name.
    pub chain_id: u64,
    /// URI to put in the message.
    pub uri: String,
    /// Statement to put in the message.
    pub statement: String,
    /// RFC 3339 issue time to put in the message.
    pub issued_at: String,
    /// RFC 3339 expiry to put in the message (when the nonce dies).
    pub expiration_time: String,
}

impl SignInChallenge {
    /// The message `address` should sign for this challenge.
    pub fn message_for(&self, address: Address) -> SiweMessage {
        SiweMessage {
            scheme: None,
            domain: self.domain.clone(),
            address,
            statement: Some(self.statement.clone()),
            uri: self.uri.clone(),
            version: "1".to_owned(),
            chain_id: self.chain_id,
            nonce: self.nonce.clone(),
            issued_at: self.issued_at.clone(),
            expiration_time: Some(self.expiration_time.clone()),
            not_before: None,
            request_id: None,
            resources: Vec::new(),
        }
    }
}

/// A successful sign-in. Holds the secret token: its `Debug` does not print it.
pub struct SignInResult {
    /// The bearer token (`clst_…`).
    pub token: Zeroizing<String>,
    /// `<rpc_base_url>/rpc/<token>`, the URL to give the wallet.
    pub rpc_url: Zeroizing<String>,
    /// The address that signed in.
    pub address: Address,
    /// Unix seconds the token expires.
    pub expires_at: u64,
    /// Our chain id.
    pub chain_id: u64,
}

/// An address added to an existing token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressAdded {
    /// The address just proven.
    pub address: Address,
    /// Every address of the token now, the first one first.
    pub addresses: Vec<Address>,
    /// Unix seconds the token expires (unchanged by adding).
    pub expires_at: u64,
}

impl std::fmt::Debug for SignInResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInResult")
            .field("token", &"<secret>")
            .field("address", &self.address)
            .field("expires_at", &self.expires_at)
            .field("chain_id", &self.chain_id)
            .finish_non_exhaustive()
    }
}

/// Nonces in memory, tokens in the store, and the configuration binding them to this node.
#[derive(Debug)]
pub struct AuthService {
    config: AuthConfig,
    nonces: NonceStore,
    tokens: TokenStore,
}

impl AuthService {
    /// A service keeping tokens in `store`. Call [`AuthConfig::validate`] first.
    pub fn new(store: Store, mut config: AuthConfig) -> Self {
        config.rpc_base_url = config.rpc_base_url.trim_end_matches('/').to_owned();
        Self {
            config,
            nonces: NonceStore::default(),
            tokens: TokenStore::new(store),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// The token store, for admin listing and revocation.
    pub fn tokens(&self) -> &TokenStore {
        &self.tokens
    }

    /// Issues a nonce and the fields of the message to sign.
    pub fn nonce(&self) -> SignInChallenge {
        self.nonce_at(unix_now())
    }

    /// [`Self::nonce`] as if the time were `now`.
    pub fn nonce_at(&self, now: u64) -> SignInChallenge {
        SignInChallenge {
            nonce: self.nonces.issue_at(now),
            domain: self.config.domain.clone(),
            chain_id: self.config.chain_id,
            uri: self.config.rpc_base_url.clone(),
            statement: SIGN_IN_STATEMENT.to_owned(),
            issued_at: format_rfc3339(now),
            expiration_time: format_rfc3339(now + self.nonces.lifetime_secs()),
        }
    }

    /// Verifies a signed message and issues a token for its signer.
    pub fn sign_in(&self, message: &str, signature_hex: &str) -> Result<SignInResult, AuthError> {
        self.sign_in_at(message, signature_hex, unix_now())
    }

    /// [`Self::sign_in`] as if the time were `now`.
    pub fn sign_in_at(
        &self,
        message: &str,
        signature_hex: &str,
        now: u64,
    ) -> Result<SignInResult, AuthError> {
        let address = self.verified_signer(message, signature_hex, now)?;
        let issued = self
            .tokens
            .issue_at(address, self.config.token_lifetime, None, now)?;
        tracing::info!(target: "cloister::auth", expires_at = issued.expires_at, "token issued");
        let rpc_url = Zeroizing::new(format!(
            "{}/rpc/{}",
            self.config.rpc_base_url, *issued.token
        ));
        Ok(SignInResult {
            token: issued.token.clone(),
            rpc_url,
            address,
            expires_at: issued.expires_at,
            chain_id: self.config.chain_id,
        })
    }

    /// Verifies a signed message and adds its signer to `token`, a valid token the caller
    /// presents (signing in again with another wallet account: the token then stands for
    /// both). Each address is proven by its own signature over its own single-use nonce and
    /// must be allowed to sign in. The token's expiry does not move.
    pub fn add_address(
        &self,
        token: &str,
        message: &str,
        signature_hex: &str,
    ) -> Result<AddressAdded, AuthError> {
        self.add_address_at(token, message, signature_hex, unix_now())
    }

    /// [`Self::add_address`] as if the time were `now`.
    pub fn add_address_at(
        &self,
        token: &str,
        message: &str,
        signature_hex: &str,
        now: u64,
    ) -> Result<AddressAdded, AuthError> {
        // Checked first so a dead token does not use up the nonce of a good signature.
        if self.tokens.resolve_at(token, now)?.is_none() {
            return Err(AuthError::UnknownToken);
        }
        let address = self.verified_signer(message, signature_hex, now)?;
        let owner = self
            .tokens
            .add_address_at(token, address, now)?
            .ok_or(AuthError::UnknownToken)?;
        tracing::info!(target: "cloister::auth", addresses = 1 + owner.also.len(), "address added to token");
        Ok(AddressAdded {
            address,
            addresses: owner.addresses(),
            expires_at: owner.expires_at,
        })
    }

    /// The signer of a valid message that may sign in.
    fn verified_signer(
        &self,
        message: &str,
        signature_hex: &str,
        now: u64,
    ) -> Result<Address, AuthError> {
        let rules = SignInRules {
            domain: &self.config.domain,
            chain_id: self.config.chain_id,
        };
        let verified = verify_sign_in(message, signature_hex, rules, &self.nonces, now)
            .inspect_err(
                |error| tracing::debug!(target: "cloister::auth", %error, "sign-in refused"),
            )?;
        if !(self.config.may_sign_in)(&verified.address) {
            tracing::debug!(target: "cloister::auth", "sign-in refused: address not allowed");
            return Err(AuthError::NotAllowed);
        }
        Ok(verified.address)
    }

    /// The owner of a token presented with a request, if it is valid now.
    pub fn resolve(&self, token: &str) -> Result<Option<TokenOwner>, AuthError> {
        Ok(self.tokens.resolve(token)?)
    }

    /// Revokes a token presented by its holder.
    pub fn revoke(&self, token: &str) -> Result<bool, AuthError> {
        Ok(self.tokens.revoke(token)?)
    }

    /// Revokes every token holding `owner` (the owner's "sign out everywhere", or an admin).
    pub fn revoke_all(&self, owner: &Address) -> Result<usize, AuthError> {
        Ok(self.tokens.revoke_all(owner)?)
    }
}
