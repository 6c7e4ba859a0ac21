//! The `/signin` HTTP routes as the TLS server calls them (`cloister_auth::handle_with_bearer`):
//! any method, path and body, plus structured requests — a real challenge's message, edited by
//! the fuzz bytes and signed, with real or forged tokens — so that the token paths (add an
//! address, revoke) are reached too.

use crate::{
    setup::{fail, temp_dir, violated},
    siwe::{Fields, key},
};
use arbitrary::{Arbitrary, Unstructured};
use cloister_auth::{AuthConfig, AuthService, handle_with_bearer};
use cloister_storage::Store;
use http::Method;
use std::cell::RefCell;

/// Tokens issued before the fixture is rebuilt, so that the token table stays small.
const MAX_ISSUED: usize = 256;

struct Fixture {
    service: AuthService,
    /// Tokens the service issued, to present again.
    tokens: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let dir = temp_dir("the sign-in store");
        let store = Store::open(dir.path()).unwrap_or_else(|err| fail("the sign-in store", err));
        let config = AuthConfig::new("localhost:8545", 7557, "Cloister", "https://localhost:8545");
        Self {
            service: AuthService::new(store, config),
            tokens: Vec::new(),
            _dir: dir,
        }
    }
}

thread_local! {
    static FIXTURE: RefCell<Option<Fixture>> = const { RefCell::new(None) };
}

#[derive(Debug, Arbitrary)]
enum Token {
    Issued(u8),
    Forged(String),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Raw(Vec<u8>),
    SignIn {
        fields: Box<Fields>,
        token: Option<Token>,
    },
    Revoke(Token),
}

#[derive(Debug, Arbitrary)]
struct Request {
    method: u8,
    route: u8,
    suffix: String,
    body: Body,
    bearer: Option<Token>,
}

/// Answers one request, then checks the answer is well-formed.
pub fn run(data: &[u8]) {
    let Ok(request) = Request::arbitrary(&mut Unstructured::new(data)) else {
        return;
    };
    FIXTURE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|f| f.tokens.len() >= MAX_ISSUED) {
            *slot = Some(Fixture::new());
        }
        if let Some(fixture) = slot.as_mut() {
            answer(fixture, &request);
        }
    });
}

fn answer(fixture: &mut Fixture, request: &Request) {
    let method = match request.method % 7 {
        0 => Method::GET,
        1 => Method::HEAD,
        2 | 3 => Method::POST,
        4 => Method::PUT,
        5 => Method::DELETE,
        _ => Method::OPTIONS,
    };
    let route = [
        "/signin",
        "/signin/",
        "/signin/nonce",
        "/signin/revoke",
        "/signin/x",
        "/rpc",
    ][usize::from(request.route) % 6];
    let path = format!("{route}{}", request.suffix);
    let token = |choice: &Token| match choice {
        Token::Issued(index) if !fixture.tokens.is_empty() => {
            fixture.tokens[usize::from(*index) % fixture.tokens.len()].clone()
        }
        Token::Issued(_) => String::new(),
        Token::Forged(text) => text.clone(),
    };
    let body = match &request.body {
        Body::Raw(bytes) => bytes.clone(),
        Body::SignIn {
            fields,
            token: chosen,
        } => {
            let challenge = fixture.service.nonce();
            let message = fields.apply(challenge.message_for(key().address()), key().address());
            let text = message.to_text();
            let mut body = serde_json::json!({
                "message": text,
                "signature": fields.signature_for(&text, key()),
            });
            if let Some(chosen) = chosen {
                body["token"] = token(chosen).into();
            }
            body.to_string().into_bytes()
        }
        Body::Revoke(chosen) => serde_json::json!({ "token": token(chosen) })
            .to_string()
            .into_bytes(),
    };
    let bearer = request.bearer.as_ref().map(token);
    let response = handle_with_bearer(&fixture.service, &method, &path, &body, bearer.as_deref());
    let Some(response) = response else {
        if path.starts_with("/signin") && (path.len() == 7 || path[7..].starts_with(['/', '?'])) {
            violated(format!("{method} {path} under /signin got no answer"));
        }
        return;
    };
    if method == Method::HEAD && !response.body().is_empty() {
        violated("HEAD answered with a body");
    }
    if response.status().is_success() && !response.body().is_empty() {
        let Ok(answer) = serde_json::from_str::<serde_json::Value>(response.body()) else {
            return; // the page
        };
        if let Some(issued) = answer.get("token").and_then(|t| t.as_str()) {
            fixture.tokens.push(issued.to_owned());
        }
    }
}
