//! Length-prefixed frames: a big-endian `u32` length, then that many bytes of JSON. The length
//! is checked against a limit before anything is allocated, so a peer cannot make this node
//! reserve gigabytes by announcing them.

use super::error::TransportError;
use serde::{Serialize, de::DeserializeOwned};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Largest frame either side sends or accepts: a snapshot chunk or a batch of blocks fits with
/// room to spare; more is a broken or hostile peer.
pub const MAX_FRAME_LEN: u32 = 64 * 1024 * 1024;

/// Writes `message` as one frame, refusing to send what the peer would refuse to read.
pub async fn write_frame<W, M>(writer: &mut W, message: &M) -> Result<(), TransportError>
where
    W: AsyncWrite + Unpin,
    M: Serialize,
{
    write_encoded(writer, &encode(message)?).await
}

/// Encodes `message` as a frame body, checking the limit before anything is sent.
pub fn encode<M: Serialize>(message: &M) -> Result<Vec<u8>, TransportError> {
    let body = serde_json::to_vec(message)?;
    if body.len() > MAX_FRAME_LEN as usize {
        return Err(TransportError::FrameTooLarge {
            len: u32::try_from(body.len()).unwrap_or(u32::MAX),
            max: MAX_FRAME_LEN,
        });
    }
    Ok(body)
}

/// Writes a body from [`encode`] as one frame.
pub async fn write_encoded<W>(writer: &mut W, body: &[u8]) -> Result<(), TransportError>
where
    W: AsyncWrite + Unpin,
{
    let len = u32::try_from(body.len())
        .ok()
        .filter(|len| *len <= MAX_FRAME_LEN)
        .ok_or(TransportError::FrameTooLarge {
            len: u32::MAX,
            max: MAX_FRAME_LEN,
        })?;
    writer.write_all(&len.to_be_bytes()).await?;
    writer.write_all(body).await?;
    writer.flush().await?;
    Ok(())
}

/// Reads one frame and decodes it; [`TransportError::Closed`] if the peer closed cleanly
/// between frames.
pub async fn read_frame<R, M>(reader: &mut R) -> Result<M, TransportError>
where
    R: AsyncRead + Unpin,
    M: DeserializeOwned,
{
    read_frame_limited(reader, MAX_FRAME_LEN).await
}

/// [`read_frame`] with an explicit limit (the handshake uses a small one).
pub async fn read_frame_limited<R, M>(reader: &mut R, max: u32) -> Result<M, TransportError>
where
    R: AsyncRead + Unpin,
    M: DeserializeOwned,
{
    let mut header = [0u8; 4];
    match reader.read_exact(&mut header).await {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(TransportError::Closed);
        }
        Err(err) => return Err(err.into()),
    }
    let len = u32::from_be_bytes(header);
    if len > max {
        return Err(TransportError::FrameTooLarge { len, max });
    }
    // `len` is bounded above, so this allocation is too.
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body).await?;
    Ok(serde_json::from_slice(&body)?)
}
