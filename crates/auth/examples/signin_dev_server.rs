//! Serves the `/signin` routes over plain HTTP on 127.0.0.1 for trying the page in a browser
//! with a wallet (MetaMask accepts `http://127.0.0.1` RPC URLs). Development only: the real
//! server is the node's TLS listener. Run:
//! `cargo run -p cloister-auth --example signin_dev_server -- 8547 [chain-id]`, then open
//! `http://127.0.0.1:8547/signin`. Tokens it issues resolve on `GET /whoami/<token>`.

use cloister_auth::{AuthConfig, AuthService, handle, path_token};
use cloister_storage::Store;
use http::Method;
use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::{TcpListener, TcpStream},
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(8547), |text| text.parse())?;
    let chain_id: u64 = args.next().map_or(Ok(1337), |text| text.parse())?;
    let dir = tempfile::tempdir()?;
    let domain = format!("127.0.0.1:{port}");
    let config = AuthConfig::new(
        &domain,
        chain_id,
        "Cloister Dev",
        &format!("http://{domain}"),
    );
    config.validate()?;
    let service = AuthService::new(Store::open(dir.path())?, config);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    println!("open http://{domain}/signin");
    for stream in listener.incoming() {
        if let Err(error) = serve(&service, stream?) {
            eprintln!("request failed: {error}");
        }
    }
    Ok(())
}

/// One request per connection: enough for a page and a few fetches.
fn serve(service: &AuthService, mut stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let method =
        Method::from_bytes(parts.next().unwrap_or("GET").as_bytes()).unwrap_or(Method::GET);
    let path = parts.next().unwrap_or("/").to_owned();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            content_length = value.trim().parse().unwrap_or(0).min(64 * 1024);
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body)?;
    let (status, headers, text) = match handle(service, &method, &path, &body) {
        Some(response) => {
            let headers: String = response
                .headers()
                .iter()
                .map(|(name, value)| format!("{name}: {}\r\n", value.to_str().unwrap_or("")))
                .collect();
            (response.status().as_u16(), headers, response.into_body())
        }
        None => {
            let who = path
                .strip_prefix("/whoami")
                .and_then(|rest| path_token(&format!("/rpc{rest}")).map(|(t, _)| t.to_owned()))
                .and_then(|token| service.resolve(&token).ok().flatten());
            match who {
                Some(owner) => (200, String::new(), format!("{}\n", owner.address)),
                None => (404, String::new(), "not found\n".to_owned()),
            }
        }
    };
    write!(
        stream,
        "HTTP/1.1 {status} -\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}
