//! The `/signin` routes as one plain function the TLS server calls: the page, the nonce and
//! sign-in JSON endpoints, and token revocation. Every response is `Cache-Control: no-store`.
//!
//! `POST /signin` with a token (`Authorization: Bearer`, or `token` in the JSON body) adds the
//! signer of the message to that token instead of issuing a new one: one personal URL then
//! stands for several addresses, each proven by its own signature.

use crate::{
    service::{AuthError, AuthService},
    siwe_check::SiweError,
    time::format_rfc3339,
    token::TokenError,
};
use base64::Engine as _;
use cloister_primitives::Address;
use http::{HeaderValue, Method, Response, StatusCode, header};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::sync::LazyLock;

/// The sign-in page; its script and style are inline and allowed by hash in the CSP.
pub const SIGN_IN_PAGE: &str = include_str!("page.html");
/// Largest request body read, in bytes.
pub const MAX_BODY_LEN: usize = 16 * 1024;

/// The page's Content-Security-Policy: nothing but its own inline script and style (by hash)
/// and requests back to this origin.
pub static PAGE_CSP: LazyLock<String> = LazyLock::new(|| inline_page_csp(SIGN_IN_PAGE));

/// The Content-Security-Policy of a self-contained page (such as the sign-in page or the
/// governance page): nothing but its own inline script and style (by hash) and requests back
/// to this origin.
pub fn inline_page_csp(page: &str) -> String {
    let script = inline_hash(page, "<script>", "</script>");
    let style = inline_hash(page, "<style>", "</style>");
    format!(
        "default-src 'none'; script-src {script}; style-src {style}; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// `'sha256-…'` of the text between `open` and `close`, or `'none'` if the page has none.
fn inline_hash(page: &str, open: &str, close: &str) -> String {
    let body = page
        .split_once(open)
        .and_then(|(_, after)| after.split_once(close))
        .map(|(body, _)| body);
    match body {
        Some(body) => {
            let digest = Sha256::digest(body.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        }
        None => "'none'".to_owned(),
    }
}

#[derive(Deserialize)]
struct SignInRequest {
    message: String,
    signature: String,
    /// A token to add the signer to (instead of `Authorization: Bearer`).
    #[serde(default)]
    token: Option<String>,
}

#[derive(Deserialize)]
struct RevokeRequest {
    token: String,
}

/// Answers a request under `/signin`; `None` for any other path. `path` may carry the query
/// string (`GET /signin/nonce?address=0x…` then also returns the EIP-55 form of the address).
pub fn handle(
    service: &AuthService,
    method: &Method,
    path: &str,
    body: &[u8],
) -> Option<Response<String>> {
    handle_with_bearer(service, method, path, body, None)
}

/// [`handle`] for a request that carried `Authorization: Bearer <bearer>`: `POST /signin`
/// then adds the signer to that token. A `HEAD` request gets the headers of `GET` and no body.
pub fn handle_with_bearer(
    service: &AuthService,
    method: &Method,
    path: &str,
    body: &[u8],
    bearer: Option<&str>,
) -> Option<Response<String>> {
    let mut response = route(service, method, path, body, bearer)?;
    if *method == Method::HEAD {
        response.body_mut().clear();
    }
    Some(response)
}

fn route(
    service: &AuthService,
    method: &Method,
    path: &str,
    body: &[u8],
    bearer: Option<&str>,
) -> Option<Response<String>> {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let response = match route {
        "/signin" | "/signin/" => match *method {
            Method::GET | Method::HEAD => page(),
            Method::POST => sign_in(service, body, bearer),
            _ => method_not_allowed("GET, HEAD, POST"),
        },
        "/signin/nonce" => match *method {
            Method::GET | Method::HEAD => nonce(service, query),
            _ => method_not_allowed("GET, HEAD"),
        },
        "/signin/revoke" => match *method {
            Method::POST => revoke(service, body),
            _ => method_not_allowed("POST"),
        },
        _ if route.starts_with("/signin/") => error(StatusCode::NOT_FOUND, "not found"),
        _ => return None,
    };
    Some(response)
}

fn page() -> Response<String> {
    html_page(SIGN_IN_PAGE, &PAGE_CSP)
}

/// `page` as a `200` HTML response with the sign-in page's headers: `csp` (from
/// [`inline_page_csp`]), no framing, never cached, never sniffed, no referrer.
pub fn html_page(page: &str, csp: &str) -> Response<String> {
    let mut response = with_common_headers(Response::new(page.to_owned()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    let csp = HeaderValue::from_str(csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

fn nonce(service: &AuthService, query: &str) -> Response<String> {
    let challenge = service.nonce();
    let mut body = json!({
        "nonce": challenge.nonce,
        "domain": challenge.domain,
        "chainId": challenge.chain_id,
        "chainName": service.config().chain_name,
        "uri": challenge.uri,
        "version": "1",
        "statement": challenge.statement,
        "issuedAt": challenge.issued_at,
        "expirationTime": challenge.expiration_time,
    });
    // Wallets report lower-case addresses and the page has no keccak: checksum it here.
    let address = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("address="))
        .and_then(|text| text.parse::<Address>().ok());
    if let Some(address) = address {
        body["address"] = json!(address.to_checksum(None));
    }
    json_response(StatusCode::OK, &body)
}

fn sign_in(service: &AuthService, body: &[u8], bearer: Option<&str>) -> Response<String> {
    let request: SignInRequest = match parse_body(body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let token = match (bearer, request.token.as_deref()) {
        (Some(header), Some(field)) if header != field => {
            return error(
                StatusCode::BAD_REQUEST,
                "two different tokens: give one, in the header or the body",
            );
        }
        (Some(token), _) | (None, Some(token)) => Some(token),
        (None, None) => None,
    };
    if let Some(token) = token {
        return add_address(service, token, &request);
    }
    match service.sign_in(&request.message, &request.signature) {
        Ok(result) => json_response(
            StatusCode::OK,
            &json!({
                "token": result.token.as_str(),
                "rpcUrl": result.rpc_url.as_str(),
                "address": result.address.to_checksum(None),
                "addresses": [result.address.to_checksum(None)],
                "expiresAt": format_rfc3339(result.expires_at),
                "chainId": result.chain_id,
                "chainName": service.config().chain_name,
            }),
        ),
        Err(refusal) => refused(refusal),
    }
}

/// `POST /signin` with a token: the signer joins the token's addresses. The answer has the
/// shape of a sign-in's, for the same token, with every address it now stands for.
fn add_address(service: &AuthService, token: &str, request: &SignInRequest) -> Response<String> {
    match service.add_address(token, &request.message, &request.signature) {
        Ok(added) => {
            let base = &service.config().rpc_base_url;
            json_response(
                StatusCode::OK,
                &json!({
                    "token": token,
                    "rpcUrl": format!("{base}/rpc/{token}"),
                    "address": added.address.to_checksum(None),
                    "addresses": added
                        .addresses
                        .iter()
                        .map(|a| a.to_checksum(None))
                        .collect::<Vec<_>>(),
                    "expiresAt": format_rfc3339(added.expires_at),
                    "chainId": service.config().chain_id,
                    "chainName": service.config().chain_name,
                }),
            )
        }
        Err(refusal) => refused(refusal),
    }
}

fn refused(refusal: AuthError) -> Response<String> {
    match refusal {
        AuthError::SignIn(refusal) => {
            let status = match refusal {
                SiweError::Format(_) | SiweError::TooLong | SiweError::MalformedSignature => {
                    StatusCode::BAD_REQUEST
                }
                SiweError::TooManySignIns => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNAUTHORIZED,
            };
            error(status, &refusal.to_string())
        }
        AuthError::NotAllowed => error(StatusCode::FORBIDDEN, &AuthError::NotAllowed.to_string()),
        AuthError::UnknownToken => error(
            StatusCode::UNAUTHORIZED,
            &AuthError::UnknownToken.to_string(),
        ),
        AuthError::Token(TokenError::TooManyAddresses) => error(
            StatusCode::CONFLICT,
            &TokenError::TooManyAddresses.to_string(),
        ),
        AuthError::Token(failure) => internal_error(&failure),
    }
}

fn revoke(service: &AuthService, body: &[u8]) -> Response<String> {
    let request: RevokeRequest = match parse_body(body) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    match service.revoke(&request.token) {
        Ok(revoked) => json_response(StatusCode::OK, &json!({ "revoked": revoked })),
        Err(failure) => internal_error(&failure),
    }
}

/// The request, or the error response to send instead (boxed: responses are large).
fn parse_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response<String>>> {
    if body.len() > MAX_BODY_LEN {
        return Err(Box::new(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        )));
    }
    serde_json::from_slice(body)
        .map_err(|_| Box::new(error(StatusCode::BAD_REQUEST, "invalid JSON body")))
}

fn internal_error(failure: &dyn std::error::Error) -> Response<String> {
    tracing::error!(target: "cloister::auth", error = %failure, "token storage failed");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

fn method_not_allowed(allowed: &'static str) -> Response<String> {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}

fn error(status: StatusCode, message: &str) -> Response<String> {
    json_response(status, &json!({ "error": message }))
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<String> {
    let mut response = with_common_headers(Response::new(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

/// Headers on every response: never cached (tokens, nonces), never sniffed, no referrer.
fn with_common_headers(mut response: Response<String>) -> Response<String> {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
