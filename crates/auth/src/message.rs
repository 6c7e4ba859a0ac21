//! The EIP-4361 message: its fields, the canonical text a wallet signs ([`message_text`]) and a
//! strict parser for that text. The sign-in page's JavaScript builds the same text.

use cloister_primitives::Address;

/// The sentence that follows the domain on the first line.
const PREAMBLE: &str = " wants you to sign in with your Ethereum account:";

/// The fields of a Sign-In with Ethereum message. Timestamps are kept as written, so that
/// parsing then printing gives back the signed text byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiweMessage {
    /// URI scheme written before the domain (`https://example.com wants you...`), if any.
    pub scheme: Option<String>,
    /// RFC 3986 authority (host[:port]) asking for the signature.
    pub domain: String,
    /// The account signing in.
    pub address: Address,
    /// Human-readable assertion, one line.
    pub statement: Option<String>,
    /// The resource the sign-in is for.
    pub uri: String,
    /// Message format version; only `"1"` exists.
    pub version: String,
    /// EIP-155 chain id the session is bound to.
    pub chain_id: u64,
    /// Server-issued single-use nonce (alphanumeric, at least 8 characters).
    pub nonce: String,
    /// RFC 3339 time the message was made.
    pub issued_at: String,
    /// RFC 3339 time after which the message is void.
    pub expiration_time: Option<String>,
    /// RFC 3339 time before which the message is not yet valid.
    pub not_before: Option<String>,
    /// System-specific request identifier.
    pub request_id: Option<String>,
    /// URIs the user wishes to have resolved as part of sign-in.
    pub resources: Vec<String>,
}

/// Why a text is not a well-formed EIP-4361 message. Static reasons only: nothing is echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MessageFormatError {
    /// The first line is not `<domain> wants you to sign in with your Ethereum account:`.
    #[error("malformed sign-in message: first line")]
    Preamble,
    /// The address line is not a 0x-prefixed, EIP-55 (or all lower-case) address.
    #[error("malformed sign-in message: address")]
    Address,
    /// Blank lines or the statement are not where EIP-4361 puts them.
    #[error("malformed sign-in message: layout")]
    Layout,
    /// A required field is missing or out of order.
    #[error("malformed sign-in message: missing or misplaced field")]
    MissingField,
    /// The chain id is not a decimal number.
    #[error("malformed sign-in message: chain id")]
    ChainId,
    /// The nonce is not at least 8 alphanumeric characters.
    #[error("malformed sign-in message: nonce")]
    Nonce,
    /// A field value is empty or holds characters it may not.
    #[error("malformed sign-in message: field value")]
    FieldValue,
    /// Text follows the last field.
    #[error("malformed sign-in message: trailing text")]
    Trailing,
}

/// Builds the canonical EIP-4361 text of `message` (LF line ends, no final newline).
pub fn message_text(message: &SiweMessage) -> String {
    let mut text = String::with_capacity(512);
    if let Some(scheme) = &message.scheme {
        text.push_str(scheme);
        text.push_str("://");
    }
    text.push_str(&message.domain);
    text.push_str(PREAMBLE);
    text.push('\n');
    text.push_str(&message.address.to_checksum(None));
    text.push_str("\n\n");
    if let Some(statement) = &message.statement {
        text.push_str(statement);
        text.push('\n');
    }
    text.push('\n');
    push_field(&mut text, "URI", &message.uri);
    push_field(&mut text, "Version", &message.version);
    push_field(&mut text, "Chain ID", &message.chain_id.to_string());
    push_field(&mut text, "Nonce", &message.nonce);
    push_field(&mut text, "Issued At", &message.issued_at);
    let optional = [
        ("Expiration Time", &message.expiration_time),
        ("Not Before", &message.not_before),
        ("Request ID", &message.request_id),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            push_field(&mut text, name, value);
        }
    }
    if !message.resources.is_empty() {
        text.push_str("\nResources:");
        for resource in &message.resources {
            text.push_str("\n- ");
            text.push_str(resource);
        }
    }
    text
}

fn push_field(text: &mut String, name: &str, value: &str) {
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(name);
    text.push_str(": ");
    text.push_str(value);
}

impl SiweMessage {
    /// The canonical text; see [`message_text`].
    pub fn to_text(&self) -> String {
        message_text(self)
    }

    /// Parses the canonical text strictly: fields in EIP-4361 order, LF line ends, no extras.
    pub fn parse(text: &str) -> Result<Self, MessageFormatError> {
        let mut lines = text.split('\n').peekable();
        let first = lines.next().ok_or(MessageFormatError::Preamble)?;
        let origin = first
            .strip_suffix(PREAMBLE)
            .ok_or(MessageFormatError::Preamble)?;
        let (scheme, domain) = match origin.split_once("://") {
            Some((scheme, domain)) => (Some(scheme.to_owned()), domain),
            None => (None, origin),
        };
        let scheme_ok = scheme.as_deref().is_none_or(|scheme| {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_ok || !is_token(domain) || domain.contains(['/', '?', '#']) {
            return Err(MessageFormatError::Preamble);
        }
        let address = parse_address(lines.next().ok_or(MessageFormatError::Address)?)?;
        if lines.next() != Some("") {
            return Err(MessageFormatError::Layout);
        }
        // Statement layout: `stmt LF LF`, or one blank line without statement; older
        // drafts (and some libraries) put `URI:` right after the first blank line.
        let statement = match lines.peek().copied() {
            Some(line) if line.starts_with("URI: ") => None,
            Some("") => {
                lines.next();
                None
            }
            Some(line) => {
                lines.next();
                if lines.next() != Some("") || !is_line_text(line) {
                    return Err(MessageFormatError::Layout);
                }
                Some(line.to_owned())
            }
            None => return Err(MessageFormatError::Layout),
        };
        let uri = required(lines.next(), "URI")?;
        let version = required(lines.next(), "Version")?;
        let chain_id_text = required(lines.next(), "Chain ID")?;
        let chain_id = parse_chain_id(&chain_id_text)?;
        let nonce = required(lines.next(), "Nonce")?;
        if nonce.len() < 8 || !nonce.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(MessageFormatError::Nonce);
        }
        let issued_at = required(lines.next(), "Issued At")?;
        let expiration_time = optional(&mut lines, "Expiration Time")?;
        let not_before = optional(&mut lines, "Not Before")?;
        let request_id = optional(&mut lines, "Request ID")?;
        let mut resources = Vec::new();
        if lines.peek() == Some(&"Resources:") {
            lines.next();
            for line in lines.by_ref() {
                let resource = line
                    .strip_prefix("- ")
                    .ok_or(MessageFormatError::Trailing)?;
                if !is_token(resource) {
                    return Err(MessageFormatError::FieldValue);
                }
                resources.push(resource.to_owned());
            }
        }
        if lines.next().is_some() {
            return Err(MessageFormatError::Trailing);
        }
        Ok(Self {
            scheme,
            domain: domain.to_owned(),
            address,
            statement,
            uri,
            version,
            chain_id,
            nonce,
            issued_at,
            expiration_time,
            not_before,
            request_id,
            resources,
        })
    }
}

/// Non-empty, without whitespace or control characters (domains, URIs, resources).
fn is_token(value: &str) -> bool {
    !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Non-empty, one line, no control characters (the statement).
fn is_line_text(value: &str) -> bool {
    !value.trim().is_empty() && !value.chars().any(char::is_control)
}

fn required(line: Option<&str>, name: &str) -> Result<String, MessageFormatError> {
    let value = line
        .and_then(|line| line.strip_prefix(name))
        .and_then(|rest| rest.strip_prefix(": "))
        .ok_or(MessageFormatError::MissingField)?;
    if !is_token(value) {
        return Err(MessageFormatError::FieldValue);
    }
    Ok(value.to_owned())
}

fn optional<'a>(
    lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    name: &str,
) -> Result<Option<String>, MessageFormatError> {
    let present = lines.peek().is_some_and(|line| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(": "))
    });
    if present {
        required(lines.next(), name).map(Some)
    } else {
        Ok(None)
    }
}

fn parse_chain_id(text: &str) -> Result<u64, MessageFormatError> {
    let canonical =
        text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(MessageFormatError::ChainId);
    }
    text.parse().map_err(|_| MessageFormatError::ChainId)
}

/// EIP-4361 asks for EIP-55; all lower case is accepted too (wallets report addresses that way).
fn parse_address(line: &str) -> Result<Address, MessageFormatError> {
    let hex_digits = line.strip_prefix("0x").ok_or(MessageFormatError::Address)?;
    if hex_digits.len() != 40 || !hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(MessageFormatError::Address);
    }
    if hex_digits.bytes().any(|b| b.is_ascii_uppercase()) {
        Address::parse_checksummed(line, None).map_err(|_| MessageFormatError::Address)
    } else {
        line.parse().map_err(|_| MessageFormatError::Address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from EIP-4361 itself.
    const EIP_EXAMPLE: &str = "service.invalid wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ServiceOrg Terms of Service: https://service.invalid/tos

URI: https://service.invalid/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json";

    #[test]
    fn eip_example_round_trips() {
        let message = SiweMessage::parse(EIP_EXAMPLE).expect("parses");
        assert_eq!(message.domain, "service.invalid");
        assert_eq!(message.chain_id, 1);
        assert_eq!(message.nonce, "32891756");
        assert_eq!(message.resources.len(), 2);
        assert_eq!(
            message.statement.as_deref(),
            Some("I accept the ServiceOrg Terms of Service: https://service.invalid/tos")
        );
        assert_eq!(message.to_text(), EIP_EXAMPLE);
    }

    #[test]
    fn without_statement_and_with_optionals() {
        let text = "https://localhost:8545 wants you to sign in with your Ethereum account:
0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2


URI: https://localhost:8545
Version: 1
Chain ID: 1337
Nonce: abcdEFGH1234
Issued At: 2021-09-30T16:25:24Z
Expiration Time: 2021-09-30T16:35:24Z
Not Before: 2021-09-30T16:25:00Z
Request ID: req-1";
        let message = SiweMessage::parse(text).expect("parses");
        assert_eq!(message.scheme.as_deref(), Some("https"));
        assert_eq!(message.domain, "localhost:8545");
        assert_eq!(message.statement, None);
        assert_eq!(message.request_id.as_deref(), Some("req-1"));
        // Printing checksums the address; everything else is identical.
        assert_eq!(
            message.to_text(),
            text.replace(
                "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",
                "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
            )
        );
    }

    #[test]
    fn malformed_messages_refused() {
        use MessageFormatError as E;
        let cases = [
            (
                EIP_EXAMPLE.replacen("wants you", "want you", 1),
                E::Preamble,
            ),
            (EIP_EXAMPLE.replacen("0xC02aaA", "0xc02aaA", 1), E::Address),
            (
                EIP_EXAMPLE.replacen("Chain ID: 1", "Chain ID: 01", 1),
                E::ChainId,
            ),
            (
                EIP_EXAMPLE.replacen("Nonce: 32891756", "Nonce: 3289", 1),
                E::Nonce,
            ),
            (EIP_EXAMPLE.replacen("Version: 1\n", "", 1), E::MissingField),
            (EIP_EXAMPLE.replacen("\n\nURI", "\nURI", 1), E::Layout),
            (format!("{EIP_EXAMPLE}\nExtra: 1"), E::Trailing),
            (format!("{EIP_EXAMPLE}\n"), E::Trailing),
            (EIP_EXAMPLE.replace('\n', "\r\n"), E::Preamble),
        ];
        for (text, expected) in cases {
            assert_eq!(SiweMessage::parse(&text), Err(expected), "{text}");
        }
    }
}
