//! Where a request carries its token: `Authorization: Bearer <token>` or the URL path
//! `/rpc/<token>[/...]` (the form wallets and browser WebSockets can use).

use http::{HeaderMap, header::AUTHORIZATION};

/// Path prefix of personal RPC URLs.
pub const RPC_PATH_PREFIX: &str = "/rpc/";

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

/// Splits `/rpc/<token>` or `/rpc/<token>/<rest>` into the token and the rest of the path,
/// which always starts with `/` (`/` when nothing follows). A query string is left to the caller.
pub fn path_token(path: &str) -> Option<(&str, &str)> {
    let after = path.strip_prefix(RPC_PATH_PREFIX)?;
    let (token, rest) = match after.find('/') {
        Some(slash) => after.split_at(slash),
        None => (after, "/"),
    };
    (!token.is_empty()).then_some((token, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn bearer_header_forms() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        for (value, expected) in [
            ("Bearer clst_abc", Some("clst_abc")),
            ("bearer   clst_abc  ", Some("clst_abc")),
            ("BEARER clst_abc", Some("clst_abc")),
            ("Basic dXNlcjpwYXNz", None),
            ("Bearer", None),
            ("Bearer ", None),
            ("Bearer a b", None),
        ] {
            headers.insert(AUTHORIZATION, HeaderValue::from_static(value));
            assert_eq!(bearer_token(&headers), expected, "{value}");
        }
    }

    #[test]
    fn path_forms() {
        assert_eq!(path_token("/rpc/clst_abc"), Some(("clst_abc", "/")));
        assert_eq!(path_token("/rpc/clst_abc/"), Some(("clst_abc", "/")));
        assert_eq!(path_token("/rpc/clst_abc/ws"), Some(("clst_abc", "/ws")));
        assert_eq!(path_token("/rpc/"), None);
        assert_eq!(path_token("/rpc//x"), None);
        assert_eq!(path_token("/rpc"), None);
        assert_eq!(path_token("/signin"), None);
        assert_eq!(path_token("/rpcx/clst_abc"), None);
    }
}
