//! `GET /governance`: the governance page (`cloister_governance::page`), served beside
//! `/signin` with the same headers and a CSP that allows only its own inline script and style
//! and requests back to this node.

use http::{HeaderValue, Method, Response, StatusCode, header};
use std::sync::LazyLock;

/// Where the page is served.
pub const GOVERNANCE_PATH: &str = "/governance";

static CSP: LazyLock<String> = LazyLock::new(|| {
    cloister_auth::http::inline_page_csp(cloister_governance::page::GOVERNANCE_PAGE)
});

/// Whether `path` (without query) is the page's.
pub fn owns(path: &str) -> bool {
    path == GOVERNANCE_PATH || path == "/governance/"
}

/// The page for `GET` (headers only for `HEAD`), `405` for other methods; `None` for other paths.
pub fn handle(method: &Method, path: &str) -> Option<Response<String>> {
    let route = path.split_once('?').map_or(path, |(route, _)| route);
    if !owns(route) {
        return None;
    }
    let mut response =
        cloister_auth::http::html_page(cloister_governance::page::GOVERNANCE_PAGE, &CSP);
    match *method {
        Method::GET => {}
        Method::HEAD => response.body_mut().clear(),
        _ => {
            *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
            response.body_mut().clear();
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
    }
    Some(response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_served_with_a_csp_allowing_only_its_inline_code() {
        let response = handle(&Method::GET, "/governance?x=1").unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response.body().contains("<title>Governance"));
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.starts_with("default-src 'none'; script-src 'sha256-"),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'self'"), "{csp}");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        assert!(
            handle(&Method::HEAD, "/governance")
                .unwrap()
                .body()
                .is_empty()
        );
        let post = handle(&Method::POST, "/governance").unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(handle(&Method::GET, "/governance/x").is_none());
        assert!(handle(&Method::GET, "/").is_none());
    }

    #[test]
    fn the_page_fetches_nothing_from_elsewhere() {
        let page = cloister_governance::page::GOVERNANCE_PAGE;
        assert!(
            !page.contains("src=\"http"),
            "no external scripts or images"
        );
        assert!(!page.contains("<link"), "no external stylesheets");
        assert_eq!(
            page.matches("<script>").count(),
            1,
            "one inline script (hashed in the CSP)"
        );
        assert_eq!(
            page.matches("<style>").count(),
            1,
            "one inline style (hashed in the CSP)"
        );
        assert!(
            !page.contains(" style=\""),
            "no style attributes (the CSP refuses them)"
        );
        assert!(
            !page.contains(" onclick="),
            "no inline handlers (the CSP refuses them)"
        );
    }
}
