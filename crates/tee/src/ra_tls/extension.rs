//! DER of the attestation extension's value: `SEQUENCE { version INTEGER, quote OCTET
//! STRING }`. Written by hand (two fields) and decoded strictly: definite minimal lengths,
//! nothing trailing.

use crate::error::AttestError;

/// The only extension format version.
pub(crate) const EXTENSION_VERSION: u64 = 1;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_SEQUENCE: u8 = 0x30;

/// Encodes the extension value carrying `quote`.
pub(crate) fn encode(quote: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(quote.len() + 16);
    push_tlv(&mut body, TAG_INTEGER, &[EXTENSION_VERSION as u8]);
    push_tlv(&mut body, TAG_OCTET_STRING, quote);
    let mut value = Vec::with_capacity(body.len() + 6);
    push_tlv(&mut value, TAG_SEQUENCE, &body);
    value
}

/// Decodes the extension value and returns the quote.
pub(crate) fn decode(value: &[u8]) -> Result<&[u8], AttestError> {
    let (body, rest) = read_tlv(value, TAG_SEQUENCE)?;
    if !rest.is_empty() {
        return Err(malformed("bytes after the sequence"));
    }
    let (version, body) = read_tlv(body, TAG_INTEGER)?;
    let version = decode_unsigned(version)?;
    if version != EXTENSION_VERSION {
        return Err(AttestError::UnsupportedExtensionVersion { version });
    }
    let (quote, rest) = read_tlv(body, TAG_OCTET_STRING)?;
    if !rest.is_empty() {
        return Err(malformed("fields after the quote"));
    }
    Ok(quote)
}

fn malformed(what: &'static str) -> AttestError {
    AttestError::MalformedExtension { what }
}

fn push_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|byte| *byte != 0)
            .unwrap_or(bytes.len() - 1);
        let significant = &bytes[first..];
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
    out.extend_from_slice(content);
}

/// Reads one TLV with the expected tag; returns (content, rest).
fn read_tlv(input: &[u8], tag: u8) -> Result<(&[u8], &[u8]), AttestError> {
    let (&found_tag, rest) = input.split_first().ok_or_else(|| malformed("truncated"))?;
    if found_tag != tag {
        return Err(malformed("unexpected tag"));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| malformed("truncated"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return Err(malformed("unsupported length form"));
        }
        let (len_bytes, rest) = rest
            .split_at_checked(count)
            .ok_or_else(|| malformed("truncated"))?;
        let len = len_bytes
            .iter()
            .fold(0usize, |acc, byte| (acc << 8) | usize::from(*byte));
        // DER: the shortest form, no leading zero byte.
        if len < 0x80 || len_bytes.first() == Some(&0) {
            return Err(malformed("non-minimal length"));
        }
        (len, rest)
    };
    rest.split_at_checked(len)
        .ok_or_else(|| malformed("truncated"))
}

/// A non-negative DER INTEGER of at most 8 bytes of value.
fn decode_unsigned(content: &[u8]) -> Result<u64, AttestError> {
    match content {
        [] => Err(malformed("empty integer")),
        [first, ..] if first & 0x80 != 0 => Err(malformed("negative version")),
        [0, second, ..] if second & 0x80 == 0 => Err(malformed("non-minimal integer")),
        _ if content.len() > 9 || (content.len() == 9 && content[0] != 0) => {
            Err(malformed("version too large"))
        }
        _ => Ok(content
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_short_and_long_quotes() {
        for len in [0usize, 1, 127, 128, 255, 256, 5000, 70_000] {
            let quote: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let value = encode(&quote);
            assert_eq!(decode(&value).unwrap(), quote.as_slice(), "len {len}");
        }
    }

    #[test]
    fn known_encoding_of_a_short_quote() {
        assert_eq!(
            encode(b"ab"),
            [0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x02, b'a', b'b']
        );
    }

    #[test]
    fn strict_decoding() {
        // Trailing byte after the sequence.
        assert!(decode(&[0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x02, b'a', b'b', 0]).is_err());
        // Non-minimal long-form length.
        assert!(decode(&[0x30, 0x81, 0x07, 0x02, 0x01, 0x01, 0x04, 0x02, b'a', b'b']).is_err());
        // Version 2.
        assert!(matches!(
            decode(&[0x30, 0x07, 0x02, 0x01, 0x02, 0x04, 0x02, b'a', b'b']),
            Err(AttestError::UnsupportedExtensionVersion { version: 2 })
        ));
        // Quote length beyond the input.
        assert!(decode(&[0x30, 0x07, 0x02, 0x01, 0x01, 0x04, 0x03, b'a', b'b']).is_err());
        // Wrong tag for the quote.
        assert!(decode(&[0x30, 0x07, 0x02, 0x01, 0x01, 0x03, 0x02, b'a', b'b']).is_err());
    }
}
